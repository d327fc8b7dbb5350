"""Orders and payments on in-memory stores, wired to each other the way the relay and the consumers
wire them through Kafka: each service's stored events are translated into envelopes (with the relay's
event ids) and applied by the other's tracked consumer, in order, until neither has anything new.
Inventory is played by hand (its StockReserved), the gateway is the in-memory one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.orders.adapters.outbound import translate as orders_translate
from services.payments.adapters.outbound import translate as payments_translate
from services.payments.application import PaymentsApplication
from services.payments.bootstrap import bootstrap as payments_bootstrap
from services.payments.domain import Payment, payment_id
from services.payments.settings import PaymentsSettings
from shared.runtime.messages import Incoming
from shared.runtime.service import Runtime
from shared.runtime.translate import Outbound, envelope_for
from tests.unit.orders.scenario import Scenario as OrdersScenario
from tests.unit.payments.fakes import MemoryGateway

PURPOSES = ("goods", "sample_fee", "shipping")


@dataclass
class Link:
    """One direction of the wiring: what `source` published, applied by `target`'s consumer."""

    service: str
    source: Runtime[Any]
    target: Runtime[Any]
    translate: Callable[[Any], Outbound | None]
    position: int = 0

    def pump(self) -> int:
        """Deliver everything published since the last pump; the number of messages delivered."""
        delivered = 0
        app = self.source.app
        for n in app.recorder.select_notifications(start=self.position + 1, limit=10_000):
            self.position = n.id
            domain_event = app.mapper.to_domain_event(n)
            built = self.translate(domain_event)
            if built is None:
                continue
            envelope = envelope_for(self.service, domain_event, built)
            headers = (("notification_id", str(n.id).encode()),)
            topic = f"{self.service}.events"
            message = Incoming(topic, 0, n.id, (built[2] or "").encode(), envelope.to_json(), headers)
            result = self.target.consumer.apply_batch([message])
            assert result.dead == [], f"{envelope.event_type} was dead-lettered: {result.dead}"
            delivered += 1
        return delivered


class Bus:
    """Orders (its scenario: catalogue, carriers, inventory's events) and payments, one clock."""

    def __init__(self, fraud_share: float = 0.0, gateway: MemoryGateway | None = None) -> None:
        self.orders = OrdersScenario()
        self.clock = self.orders.clock
        self.gateway = gateway or MemoryGateway()
        self.payments_runtime = payments_bootstrap(
            PaymentsSettings(fraud_share=fraud_share), provider=self.gateway, persistence="memory", clock=self.clock
        )
        self.links = [
            Link("orders", self.orders.runtime, self.payments_runtime, orders_translate),
            Link("payments", self.payments_runtime, self.orders.runtime, payments_translate),
        ]

    @property
    def payments(self) -> PaymentsApplication:
        app: PaymentsApplication = self.payments_runtime.app
        return app

    def pump(self) -> None:
        """Deliver messages both ways until neither service has anything new."""
        while sum(link.pump() for link in self.links):
            pass

    def order(self, order_id: uuid.UUID) -> Any:
        return self.orders.order(order_id)

    def money_in(self, order_id: uuid.UUID) -> int:
        """What payments holds for the order: everything captured, settled or debited, less every refund."""
        held = 0
        for purpose in PURPOSES:
            payment: Payment | None = self.payments.payment_by_id(payment_id(str(order_id), purpose))
            if payment is not None:
                held += payment.paid_minor - payment.refunded_minor
        payer = self.payments.deposit_order(str(order_id))
        if payer is not None:
            account = self.payments.deposit(payer.customer_id)
            for purpose in PURPOSES:
                held += account.debited_for(str(order_id), purpose) - account.refunded_for(str(order_id), purpose)
        return held

    def owed_back(self, order_id: uuid.UUID) -> int:
        """Refunds payments owes and has not made yet (through the provider, or when a transfer settles)."""
        owed = 0
        for purpose in PURPOSES:
            payment = self.payments.payment_by_id(payment_id(str(order_id), purpose))
            if payment is not None:
                owed += payment.pending_refund_minor
        return owed


def shipping_quoted(order_id: uuid.UUID, cost_minor: int, at: Any) -> Any:
    """Shipping's quote (S1), as both orders and payments receive it."""
    from shared.events import shipping as ship
    from tests.unit.messages import usd

    return ship.ShippingQuoted(
        order_id=str(order_id),
        carrier="DHL",
        country="ES",
        weight_grams=90,
        cost=usd(cost_minor),
        tariff_version="DHL-2026-01",
        quoted_at=at,
    )
