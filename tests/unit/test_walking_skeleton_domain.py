"""The walking skeleton's domain on in-memory storage: reserve, never oversell, replay."""

from __future__ import annotations

import uuid

from services.inventory.bootstrap import bootstrap as inventory_bootstrap
from services.inventory.settings import InventorySettings
from services.orders.bootstrap import bootstrap as orders_bootstrap
from services.orders.domain.errors import UnknownProduct
from services.orders.domain.values import ReservedLine
from services.orders.settings import OrdersSettings
from shared.runtime.service import Runtime
from tests.unit.messages import carry, relayed


def deliver(source: Runtime, target: Runtime) -> int:
    """Carry every published event of `source` to `target`'s tracked consumer; how many it applied."""
    return int(carry(source, target).applied)


def make() -> tuple[Runtime, Runtime]:
    inventory = inventory_bootstrap(InventorySettings(seed_demo_catalogue=True), persistence="memory")
    orders = orders_bootstrap(OrdersSettings(), persistence="memory")
    deliver(inventory, orders)
    return inventory, orders


def test_I2_reservation_never_exceeds_stock_and_states_the_shortage() -> None:
    inventory, orders = make()
    order_id = orders.app.place_order("c1", [("BRAC-STEEL-CHAIN", 30)])  # 20 on hand
    deliver(orders, inventory)
    deliver(inventory, orders)
    order = orders.app.get_order(order_id)
    assert order.reservation == [ReservedLine(sku="BRAC-STEEL-CHAIN", asked=30, reserved=20, short=10)]
    assert order.stock == "partially reserved"
    assert inventory.app.get_sku("BRAC-STEEL-CHAIN").available == 0


def test_O4_a_placed_order_is_pending_payment_with_its_total_in_minor_units() -> None:
    _, orders = make()
    order = orders.app.get_order(orders.app.place_order("c1", [("RING-STEEL-PEARL", 12), ("NECK-ZIRC-PEND", 6)]))
    assert order.status == "PendingPayment"
    assert order.total_minor == 12 * 450 + 6 * 780


def test_X3_unknown_product_names_the_line_and_stores_nothing() -> None:
    _, orders = make()
    before = orders.app.max_notification_id()
    try:
        orders.app.place_order("c1", [("RING-STEEL-PEARL", 12), ("NO-SUCH", 1)])
    except UnknownProduct as exc:
        assert exc.field == "lines.1.sku"
    else:
        raise AssertionError("an unknown product was accepted")
    assert orders.app.max_notification_id() == before


def test_same_idempotency_key_places_one_order() -> None:
    _, orders = make()
    first = orders.app.place_order("c1", [("RING-STEEL-PEARL", 12)], idempotency_key="k-1")
    again = orders.app.place_order("c1", [("RING-STEEL-PEARL", 12)], idempotency_key="k-1")
    assert first == again
    assert orders.app.place_order("c2", [("RING-STEEL-PEARL", 12)], idempotency_key="k-1") != first


def test_redelivered_event_is_applied_once() -> None:
    """Redelivery is decided by the real tracked consumer (its tracking rows), not by the test."""
    inventory, orders = make()
    orders.app.place_order("c1", [("RING-STEEL-PEARL", 12)])
    first, again = carry(orders, inventory), carry(orders, inventory)
    assert (first.applied, first.duplicates, first.dead) == (1, 0, [])
    assert (again.applied, again.duplicates, again.dead) == (0, 1, [])
    twice_in_one_batch = inventory_bootstrap(InventorySettings(seed_demo_catalogue=True), persistence="memory")
    [placed] = [m for m in relayed(orders) if m.header("event_type") == "OrderPlaced"]
    result = twice_in_one_batch.consumer.apply_batch([placed, placed])
    assert (result.applied, result.duplicates) == (1, 1)
    for runtime in (inventory, twice_in_one_batch):
        assert runtime.app.get_sku("RING-STEEL-PEARL").reserved == 12


def test_replay_as_of_gives_the_state_that_was_true_then() -> None:
    inventory, orders = make()
    order_id = orders.app.place_order("c1", [("RING-STEEL-PEARL", 12)])
    placed = orders.app.get_order(order_id)
    deliver(orders, inventory)
    deliver(inventory, orders)
    then = orders.app.replay_as_of(order_id, placed.modified_on)
    now = orders.app.replay_as_of(order_id, None)
    assert then.stock == "awaiting reservation" and now.stock == "reserved"
    assert orders.app.replay_as_of(uuid.uuid4(), None) is None
    assert [e["type"] for e in orders.app.history(order_id)] == ["Order.Placed", "Order.StockReservationRecorded"]
