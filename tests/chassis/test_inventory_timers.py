"""Inventory's durable timers (X1) fired by a real worker as the manual clock passes them: a hold
expires after its TTL and frees its stock (I1); picking not finished two days after confirmation is
recorded as a breach (I4)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from eventsourcing.utils import get_topic
from pydantic import BaseModel

from services.inventory.application.policies import HOLD_EXPIRY, PICKING_SLA, hold_target
from services.inventory.domain.reservation import Reservation
from shared.events import Money
from shared.events.orders import OrderConfirmed, OrderLine, OrderPlaced
from shared.runtime.timers import timer_id
from tests.infra import Harness, eventually
from tests.kafka_helpers import produce
from tests.unit.messages import message_bytes

SKU = "RING-STEEL-PEARL"
USD = Money(amount_minor=450, currency="USD")


def message(event_type: str, payload: BaseModel, order_id: str) -> bytes:
    return message_bytes(event_type, payload, correlation_id=f"corr-{order_id}")


def pending_targets(runtime: Any) -> set[str]:
    return {t["target"] for t in runtime.app.timers.pending()}


def test_I1_I4_hold_expiry_and_picking_sla_fire_when_the_manual_clock_passes_them(harness: Harness) -> None:
    inventory = harness.runtime("inventory")
    inventory.app.add_sku(SKU, "Ring", 450, "USD", moq=1, weight_grams=6, on_hand=20)
    timers = inventory.app.timers
    before = inventory.clock.now()
    hold = inventory.app.place_hold("cust-1", SKU, 8)
    assert timedelta(minutes=30) <= hold.expires_at - before < timedelta(minutes=30, seconds=1)
    harness.start_worker("inventory")

    # An order placed and confirmed (its picking SLA timer starts at confirmation).
    order_id = str(uuid.uuid4())
    now = inventory.clock.now()
    placed = OrderPlaced(
        order_id=order_id,
        customer_id="cust-2",
        lines=[OrderLine(sku=SKU, quantity=5, unit_price=USD)],
        total=Money(amount_minor=5 * 450, currency="USD"),
        placed_at=now,
    )
    confirmed = OrderConfirmed(
        order_id=order_id, customer_id="cust-2", total=placed.total, confirmed_at=now, cancellation_policy_version="x"
    )
    produce(
        harness.infra.bootstrap,
        f"{harness.prefix}orders.events",
        [
            (order_id.encode(), message("OrderPlaced", placed, order_id), [("notification_id", b"1")]),
            (order_id.encode(), message("OrderConfirmed", confirmed, order_id), [("notification_id", b"2")]),
        ],
    )

    # The relay indexes both timers; neither is due before its time (the manual clock runs on, too).
    targets = {hold_target(SKU, hold.hold_id), order_id}
    eventually(lambda: pending_targets(inventory) >= targets, what="both timers indexed")
    inventory.clock.advance((hold.expires_at - inventory.clock.now()).total_seconds() - 5)
    assert timers.due() == []
    assert inventory.app.get_sku(SKU).held == 8

    # I1: the clock passes the hold's 30 minutes; the worker expires it and the stock is free.
    inventory.clock.advance(5)
    eventually(lambda: inventory.app.get_sku(SKU).held == 0, what="hold expired")
    sku = inventory.app.get_sku(SKU)
    assert (sku.on_hand, sku.reserved, sku.available) == (20, 5, 15)
    assert inventory.app.holds_of("cust-1") == []
    assert [e["type"] for e in inventory.app.history(timer_id(HOLD_EXPIRY, hold_target(SKU, hold.hold_id)))] == [
        "Timer.Scheduled",
        "Timer.Fired",
    ]
    assert inventory.app.domain_events(sku.id)[-1].reason == "expired"

    # I4: two days after confirmation, picking has not finished: the breach is recorded, once.
    assert inventory.app.reservation(order_id).sla_breached_at is None
    inventory.clock.advance(48 * 3600)
    breached = eventually(lambda: inventory.app.reservation(order_id).sla_breached_at, what="SLA breach recorded")
    assert breached >= inventory.app.reservation(order_id).picking_due_at
    topic = get_topic(Reservation.PickingSlaBreached)
    assert len(inventory.app.recorder.select_notifications(start=1, limit=100, topics=[topic])) == 1
    eventually(lambda: not pending_targets(inventory), what="no timer left pending")
    assert [e["type"] for e in inventory.app.history(timer_id(PICKING_SLA, order_id))] == [
        "Timer.Scheduled",
        "Timer.Fired",
    ]
