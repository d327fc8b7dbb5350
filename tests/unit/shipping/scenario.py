"""A scenario driver for the shipping service on in-memory storage: a controllable clock, the
orders, inventory and payments services' events fed through the tracked consumer, timers fired by
hand, and signed carrier updates."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from pydantic import BaseModel

from services.shipping.adapters.outbound import translate
from services.shipping.application import ShippingApplication
from services.shipping.bootstrap import bootstrap
from services.shipping.domain.shipment import Shipment
from services.shipping.settings import ShippingSettings
from shared.events import inventory as inv
from shared.events import orders as o
from shared.events import payments as pay
from shared.events import spec_for, wrap
from shared.runtime.messages import Incoming
from shared.runtime.service import Runtime
from shared.runtime.settings import PlatformSettings
from shared.runtime.timers import timer_id
from tests.unit.messages import StepClock, incoming, usd

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # a Monday
ADDRESS = {"name": "Ana Ruiz", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}


class ShippingScenario:
    def __init__(self, holidays: str = "", **settings: Any) -> None:
        self.clock = StepClock(T0)
        platform = PlatformSettings(shop_holidays=holidays)
        self.runtime: Runtime[ShippingApplication] = bootstrap(
            ShippingSettings(platform=platform, **settings), persistence="memory", clock=self.clock
        )
        self.app = self.runtime.app
        self.ids = count(1)

    def at(self, delta: timedelta) -> datetime:
        """Move the clock to T0 + delta."""
        self.clock.at = T0 + delta
        return self.clock.at

    def advance(self, delta: timedelta) -> datetime:
        self.clock.at += delta
        return self.clock.at

    def feed(self, event_type: str, payload: BaseModel) -> Any:
        return self.deliver(incoming(event_type, payload, next(self.ids), self.clock.now()))

    def deliver(self, message: Incoming) -> Any:
        result = self.runtime.consumer.apply_batch([message])
        assert not result.dead, result.dead
        return result

    # --- the other services, as events ----------------------------------------------------------------
    def placed(
        self,
        carrier: str | None = "DHL",
        country: str = "ES",
        lines: tuple[tuple[str, int], ...] = (("RING-STEEL-PEARL", 12),),
        customer: str = "cust-1",
        email: str | None = "ana@example.com",
        order_id: str | None = None,
    ) -> str:
        order_id = order_id or str(uuid.uuid4())
        self.feed("OrderPlaced", self.order_placed(order_id, carrier, country, lines, customer, email))
        return order_id

    def order_placed(
        self,
        order_id: str,
        carrier: str | None = "DHL",
        country: str = "ES",
        lines: tuple[tuple[str, int], ...] = (("RING-STEEL-PEARL", 12),),
        customer: str = "cust-1",
        email: str | None = "ana@example.com",
    ) -> o.OrderPlaced:
        return o.OrderPlaced(
            order_id=order_id,
            customer_id=customer,
            lines=[o.OrderLine(sku=sku, quantity=q, unit_price=usd(450)) for sku, q in lines],
            total=usd(450 * sum(q for _, q in lines)),
            payment_method="card",
            shipping_address=o.Address(**{**ADDRESS, "country": country}),
            billing_address=o.Address(**ADDRESS),
            carrier=carrier,  # type: ignore[arg-type]
            contact_email=email,
            placed_at=self.clock.now(),
        )

    def placed_v2(self, order_id: str | None = None) -> str:
        """An OrderPlaced v2 as orders published it before carriers were offered (no carrier, no e-mail)."""
        order_id = order_id or str(uuid.uuid4())
        current = self.order_placed(order_id).model_dump(mode="json")
        payload = {k: v for k, v in current.items() if k not in ("carrier", "contact_email")}
        envelope = wrap("OrderPlaced", self.order_placed(order_id), occurred_at=self.clock.now(), correlation_id="c")
        data = {**json.loads(envelope.to_json()), "schema_version": 2, "payload": payload}
        nid = next(self.ids)
        headers = (("notification_id", str(nid).encode()),)
        self.deliver(Incoming("orders.events", 0, nid, b"k", json.dumps(data).encode(), headers))
        return order_id

    def prepared(self, order_id: str, weight: int) -> Any:
        return self.feed(
            "GoodsPrepared", inv.GoodsPrepared(order_id=order_id, weight_grams=weight, prepared_at=self.clock.now())
        )

    def captured(self, order_id: str, amount: int, purpose: pay.Purpose = "shipping") -> Any:
        return self.feed(
            "PaymentCaptured",
            pay.PaymentCaptured(
                order_id=order_id, purpose=purpose, method="card", amount=usd(amount), captured_at=self.clock.now()
            ),
        )

    def debited(self, order_id: str, amount: int) -> Any:
        return self.feed(
            "DepositDebited",
            pay.DepositDebited(
                order_id=order_id,
                customer_id="cust-1",
                amount=usd(amount),
                debited_at=self.clock.now(),
                purpose="shipping",
            ),
        )

    def voucher(self, order_id: str, amount: int) -> Any:
        return self.feed(
            "PaymentVoucherReceived",
            pay.PaymentVoucherReceived(
                order_id=order_id, purpose="shipping", amount=usd(amount), received_at=self.clock.now()
            ),
        )

    def settled(self, order_id: str, amount: int, covered: bool | None = None) -> Any:
        settled = pay.PaymentSettled(
            order_id=order_id, purpose="shipping", amount=usd(amount), settled_at=self.clock.now(), covered=covered
        )
        return self.feed("PaymentSettled", settled)

    def cancelled(self, order_id: str) -> Any:
        return self.feed(
            "OrderCancelled",
            o.OrderCancelled(
                order_id=order_id,
                customer_id="cust-1",
                fee=usd(0),
                refund=usd(0),
                reason="customer request",
                cancelled_at=self.clock.now(),
            ),
        )

    def expired(self, order_id: str) -> Any:
        now = self.clock.now()
        return self.feed(
            "OrderExpired",
            o.OrderExpired(
                order_id=order_id,
                customer_id="cust-1",
                total=usd(5400),
                reason="not paid within 72 h",
                placed_at=now,
                payment_due_at=now,
                expired_at=now,
            ),
        )

    def ready_to_dispatch(self, carrier: str = "DHL", weight: int = 720) -> str:
        """An order placed, prepared, quoted and its shipping paid by card."""
        order_id = self.placed(carrier=carrier)
        self.prepared(order_id, weight)
        self.captured(order_id, self.shipment(order_id).quote["cost_minor"])  # type: ignore[index]
        return order_id

    # --- shipping's side ------------------------------------------------------------------------------
    def shipment(self, order_id: str) -> Shipment:
        return self.app.shipment(order_id)

    def update(self, order_id: str, status: str, update_id: str | None = None, **extra: Any) -> bool:
        """A carrier update applied directly (the webhook's signature checks are tested on the API)."""
        shipment = self.shipment(order_id)
        update = {
            "update_id": update_id or str(uuid.uuid4()),
            "tracking_number": shipment.tracking_number,
            "status": status,
            "at": extra.pop("at", self.clock.now()),
            "location": extra.pop("location", None),
            "signed_by": extra.pop("signed_by", None),
        }
        return self.app.track(str(shipment.carrier), update)[1]

    def fire_silence_alarm(self, order_id: str, seen_updates: int) -> bool:
        assert self.app.timers is not None
        return self.app.timers.fire(timer_id("parcel-silent", f"{order_id}#{seen_updates}"))

    def published(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for n in self.app.recorder.select_notifications(start=1, limit=10_000):
            built = translate(self.app.mapper.to_domain_event(n))
            if built:
                spec_for(built[0])  # every translated event is a registered contract
                out.append((built[0], built[1].model_dump(mode="json")))
        return out

    def types(self) -> list[str]:
        return [t for t, _ in self.published()]
