"""Inventory and orders together on in-memory stores, their events carried as the relay and the
consumers would: holds become the reservation, a shortfall reduces the order and owes a refund
(the OrderItemsReduced that payments refunds on), and the picking deadline inventory times shows
its breach on the order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import count

from eventsourcing.persistence import Tracking

from services.inventory.application.policies import PICKING_SLA
from services.orders.adapters.outbound import translate as orders_translate
from services.orders.bootstrap import bootstrap as orders_bootstrap
from services.orders.settings import OrdersSettings
from shared.events import wrap
from shared.events.payments import PaymentCaptured
from shared.runtime.service import Runtime
from tests.unit.inventory.scenario import RING, Scenario, usd
from tests.unit.messages import carry

PAYMENT_IDS = count(1)


def deliver(source: Runtime, target: Runtime) -> int:
    """Carry every published event of `source` to `target`'s tracked consumer (which drops what it has
    seen), as the relay and the consumer would; how many it applied."""
    return int(carry(source, target).applied)


def pay(orders: Runtime, order_id: uuid.UUID, amount_minor: int, s: Scenario) -> None:
    payload = PaymentCaptured(
        order_id=str(order_id), purpose="goods", method="card", amount=usd(amount_minor), captured_at=s.clock.now()
    )
    envelope = wrap("PaymentCaptured", payload, occurred_at=s.clock.now(), correlation_id="corr")
    orders.app.process_envelope(envelope, Tracking("payments.events:0", next(PAYMENT_IDS)))


def test_I1_I3_holds_become_the_reservation_and_a_shortfall_reduces_the_order_and_owes_the_refund() -> None:
    s = Scenario(ring=20)
    inventory = s.runtime
    orders = orders_bootstrap(OrdersSettings(), persistence="memory", clock=s.clock)
    deliver(inventory, orders)  # the catalogue

    # cust-1 holds 12 rings at inventory, then orders them; cust-2 orders the other 8.
    s.app.place_hold("cust-1", RING, 12)
    first = orders.app.place_order("cust-1", [(RING, 12)])
    second = orders.app.place_order("cust-2", [(RING, 8)])
    deliver(orders, inventory)
    deliver(inventory, orders)
    assert [orders.app.get_order(o).stock for o in (first, second)] == ["reserved", "reserved"]
    assert (s.sku().held, s.sku().reserved, s.sku().available) == (0, 20, 0)

    # Both are paid and confirmed; inventory hears of it (picking may start).
    pay(orders, first, 12 * 450, s)
    pay(orders, second, 8 * 450, s)
    deliver(orders, inventory)
    assert [s.app.reservation(str(o)).status for o in (first, second)] == ["confirmed", "confirmed"]

    # A damaged batch of 5: the newer order gives way; orders reduces it and owes 5 rings back.
    s.at(timedelta(hours=2))
    s.app.adjust_stock(RING, "damaged batch", "ops-1", change=-5)
    deliver(inventory, orders)
    order = orders.app.get_order(second)
    assert ([line.quantity for line in order.lines], order.total_minor) == ([3], 3 * 450)
    assert order.refund_due_minor == 5 * 450
    reduced = [
        out[1].model_dump(mode="json")
        for e in orders.app.domain_events(second)
        if (out := orders_translate(e)) and out[0] == "OrderItemsReduced"
    ]
    assert [(r["lines"], r["previous_total"], r["new_total"], r["refund"]) for r in reduced] == [
        (
            [{"sku": RING, "quantity_before": 8, "quantity_after": 3}],
            {"amount_minor": 3600, "currency": "USD"},
            {"amount_minor": 1350, "currency": "USD"},
            {"amount_minor": 2250, "currency": "USD"},
        )
    ]
    assert orders.app.get_order(first).total_minor == 12 * 450


def test_I4_O6_the_picking_breach_inventory_times_is_shown_on_the_order() -> None:
    s = Scenario(ring=20)
    inventory = s.runtime
    orders = orders_bootstrap(OrdersSettings(), persistence="memory", clock=s.clock)
    deliver(inventory, orders)
    order_id = orders.app.place_order("cust-1", [(RING, 4)])
    deliver(orders, inventory)
    s.at(timedelta(hours=1))
    pay(orders, order_id, 4 * 450, s)
    deliver(orders, inventory)  # OrderConfirmed: inventory sets the deadline (48 h, its setting)
    s.app.start_picking(str(order_id), "ops-1")
    deliver(inventory, orders)
    assert orders.app.get_order(order_id).status == "Processing"

    s.at(timedelta(hours=49))
    assert s.fire(PICKING_SLA, str(order_id)) is True
    assert deliver(inventory, orders) == 1
    order = orders.app.get_order(order_id)
    assert (order.status, order.sla_breached_at) == ("Processing", s.clock.now())
    assert [b["order_id"] for b in orders.app.sla_breaches()] == [str(order_id)]
