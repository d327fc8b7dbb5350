"""A scenario driver for the inventory service on in-memory storage: a controllable clock, a small
catalogue, the orders service's events fed through the tracked consumer, timers fired by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from pydantic import BaseModel

from services.inventory.adapters.outbound import translate
from services.inventory.application import InventoryApplication
from services.inventory.bootstrap import bootstrap
from services.inventory.domain.sku import Sku
from services.inventory.settings import InventorySettings
from shared.events import orders as contract
from shared.runtime.service import Runtime
from shared.runtime.timers import timer_id
from tests.unit.messages import StepClock, incoming, usd

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
RING, PENDANT = "RING-STEEL-PEARL", "NECK-ZIRC-PEND"


class Scenario:
    def __init__(self, ring: int = 20, pendant: int = 50, **settings: Any) -> None:
        self.clock = StepClock(T0)
        self.runtime: Runtime[InventoryApplication] = bootstrap(
            InventorySettings(**settings), persistence="memory", clock=self.clock
        )
        self.app = self.runtime.app
        self.ids = count(1)
        self.app.add_sku(RING, "Ring", 450, "USD", moq=1, weight_grams=6, on_hand=ring)
        self.app.add_sku(PENDANT, "Pendant", 780, "USD", moq=1, weight_grams=12, on_hand=pendant)

    def at(self, delta: timedelta) -> datetime:
        """Move the clock to T0 + delta."""
        self.clock.at = T0 + delta
        return self.clock.at

    def sku(self, code: str = RING) -> Sku:
        return self.app.get_sku(code)

    # --- the orders service, as events ------------------------------------------------------------
    def feed(self, event_type: str, payload: BaseModel) -> None:
        message = incoming(event_type, payload, next(self.ids), self.clock.now())
        result = self.runtime.consumer.apply_batch([message])
        assert not result.dead, result.dead

    def place(self, *lines: tuple[str, int], customer: str = "cust-1", order_id: str | None = None) -> str:
        order_id = order_id or str(uuid.uuid4())
        order_lines = [contract.OrderLine(sku=s, quantity=q, unit_price=usd(100)) for s, q in lines]
        total = usd(100 * sum(q for _, q in lines))
        placed = contract.OrderPlaced(
            order_id=order_id, customer_id=customer, lines=order_lines, total=total, placed_at=self.clock.now()
        )
        self.feed("OrderPlaced", placed)
        return order_id

    def confirm(self, order_id: str, customer: str = "cust-1") -> None:
        confirmed = contract.OrderConfirmed(
            order_id=order_id,
            customer_id=customer,
            total=usd(100),
            confirmed_at=self.clock.now(),
            cancellation_policy_version="2026-01",
        )
        self.feed("OrderConfirmed", confirmed)

    def cancel(self, order_id: str, customer: str = "cust-1") -> None:
        cancelled = contract.OrderCancelled(
            order_id=order_id,
            customer_id=customer,
            fee=usd(0),
            refund=usd(0),
            reason="customer request",
            cancelled_at=self.clock.now(),
        )
        self.feed("OrderCancelled", cancelled)

    def change(self, order_id: str, *lines: tuple[str, int], customer: str = "cust-1") -> None:
        changed = contract.OrderChanged(
            order_id=order_id,
            customer_id=customer,
            actor="am-1",
            reason="customer phoned",
            lines=[contract.OrderLine(sku=s, quantity=q, unit_price=usd(100)) for s, q in lines],
            new_total=usd(100),
            changed_at=self.clock.now(),
        )
        self.feed("OrderChanged", changed)

    def expire(self, order_id: str, customer: str = "cust-1") -> None:
        """The order was not paid within its payment window (O4)."""
        expired = contract.OrderExpired(
            order_id=order_id,
            customer_id=customer,
            total=usd(100),
            reason="not paid within 72 h of placing",
            placed_at=T0,
            payment_due_at=T0 + timedelta(hours=72),
            expired_at=self.clock.now(),
        )
        self.feed("OrderExpired", expired)

    def cart(self, sku: str, quantity: int, customer: str = "cust-1") -> None:
        """The customer's cart now holds `quantity` of `sku` (I1)."""
        line = contract.CartLineChanged(customer_id=customer, sku=sku, quantity=quantity, changed_at=self.clock.now())
        self.feed("CartLineChanged", line)

    def checked_out(self, order_id: str, *skus: str, customer: str = "cust-1") -> None:
        done = contract.CartCheckedOut(
            customer_id=customer, placed_order_id=order_id, skus=list(skus), checked_out_at=self.clock.now()
        )
        self.feed("CartCheckedOut", done)

    # --- what happened ------------------------------------------------------------------------------
    def fire(self, kind: str, target: str) -> bool:
        assert self.app.timers is not None
        return self.app.timers.fire(timer_id(kind, target))

    def published(self, order_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Integration events, in order, as the relay would publish them (of one order, if given)."""
        found = []
        for n in self.app.recorder.select_notifications(start=1, limit=10_000):
            out = translate(self.app.mapper.to_domain_event(n))
            if out and (order_id is None or out[2] == order_id):
                found.append((out[0], out[1].model_dump(mode="json", exclude={"order_id"})))
        return found

    def history(self, code: str = RING) -> list[str]:
        return [e["type"].removeprefix("Sku.") for e in self.app.sku_history(code)]
