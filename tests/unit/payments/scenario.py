"""The payments application on in-memory storage, with a controllable clock and the orders and
shipping services' events fed through the tracked consumer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import count
from typing import Any

from pydantic import BaseModel

from services.payments.adapters.outbound import translate
from services.payments.bootstrap import bootstrap
from services.payments.settings import PaymentsSettings
from shared.events import Money
from shared.events import orders as o
from shared.events import shipping as s
from shared.events import tickets as t
from shared.runtime.identity import mint
from tests.unit.messages import StepClock, incoming, usd
from tests.unit.orders.scenario import T0
from tests.unit.payments.fakes import MemoryGateway

VISA = "4111111111111111"


class PaymentsScenario:
    def __init__(self, fraud_share: float = 0.0, gateway: MemoryGateway | None = None) -> None:
        self.clock = StepClock(T0)
        self.gateway = gateway or MemoryGateway()
        self.runtime = bootstrap(
            PaymentsSettings(fraud_share=fraud_share), provider=self.gateway, persistence="memory", clock=self.clock
        )
        self.app = self.runtime.app
        self.ids = count(1)

    def feed(self, event_type: str, payload: BaseModel) -> Any:
        return self.runtime.consumer.apply_batch([incoming(event_type, payload, next(self.ids), self.clock.now())])

    def placed(self, total: int, method: str = "card", customer: str = "cust-1", sample: bool = False) -> str:
        order_id = str(uuid.uuid4())
        self.feed(
            "OrderPlaced",
            o.OrderPlaced(
                order_id=order_id,
                customer_id=customer,
                total=usd(total),
                payment_method=method,  # type: ignore[arg-type]
                lines=[o.OrderLine(sku="RING", quantity=1, unit_price=usd(total))],
                placed_at=self.clock.now(),
                sample=sample,
            ),
        )
        return order_id

    def cancelled(self, order_id: str, fee: int, refund: int) -> Any:
        return self.feed(
            "OrderCancelled",
            o.OrderCancelled(
                order_id=order_id,
                customer_id="cust-1",
                fee=usd(fee),
                refund=usd(refund),
                reason="customer request",
                cancelled_at=self.clock.now(),
            ),
        )

    def reduced(self, order_id: str, before: int, after: int, refund: int) -> Any:
        return self.feed(
            "OrderItemsReduced",
            o.OrderItemsReduced(
                order_id=order_id,
                customer_id="cust-1",
                lines=[o.ReducedLine(sku="RING", quantity_before=2, quantity_after=1)],
                previous_total=usd(before),
                new_total=usd(after),
                refund=usd(refund),
                reason="shortfall",
                reduced_at=self.clock.now(),
            ),
        )

    def refund_due(self, order_id: str, paid: int, total: int) -> Any:
        return self.feed(
            "OrderRefundDue",
            o.OrderRefundDue(
                order_id=order_id,
                customer_id="cust-1",
                paid=usd(paid),
                total=usd(total),
                refund=usd(paid - total),
                reason=f"paid {paid} for an order reduced to {total} before the payment arrived",
                due_at=self.clock.now(),
            ),
        )

    def quoted(self, order_id: str, cost: int) -> Any:
        return self.feed(
            "ShippingQuoted",
            s.ShippingQuoted(
                order_id=order_id,
                carrier="DHL",
                country="ES",
                weight_grams=80,
                cost=usd(cost),
                tariff_version="DHL-2026-01",
                quoted_at=self.clock.now(),
            ),
        )

    def ticket_refund(
        self, order_id: str, purpose: str, amount: int, refund_id: str | None = None, currency: str = "USD"
    ) -> str:
        """Tickets asks for a refund (T5); returns its refund id. The same id again is a second request."""
        refund_id = refund_id or str(uuid.uuid4())
        self.feed("TicketRefundRequested", self.ticket_refund_request(order_id, purpose, amount, refund_id, currency))
        return refund_id

    def ticket_refund_request(
        self, order_id: str, purpose: str, amount: int, refund_id: str, currency: str = "USD"
    ) -> t.TicketRefundRequested:
        return t.TicketRefundRequested(
            refund_id=refund_id,
            ticket_id="8d2b6f4e-1a3c-4e5f-9b7d-0c2e4a6b8d01",
            order_id=order_id,
            customer_id="cust-1",
            purpose=purpose,  # type: ignore[arg-type]
            amount=Money(amount_minor=amount, currency=currency),
            reason=f"T5 shortage: 1 x RING [ticket-refund:{refund_id}]",
            requested_at=self.clock.now(),
        )

    def token(self, role: str, subject: str, customers: tuple[str, ...] = ()) -> dict[str, str]:
        """An authorization header for the API (X2)."""
        platform = self.runtime.settings.platform
        minted = mint(platform.jwt_secret, platform.jwt_issuer, role, subject, customers=customers)
        return {"authorization": f"Bearer {minted}"}

    def advance(self, delta: timedelta) -> None:
        self.clock.at += delta

    def published(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for n in self.app.recorder.select_notifications(start=1, limit=10_000):
            built = translate(self.app.mapper.to_domain_event(n))
            if built:
                out.append((built[0], built[1].model_dump(mode="json")))
        return out
