"""O4, X1, I1 across orders and inventory, with real workers, Kafka and PostgreSQL (issue 12 item 12):
a customer's cart line holds the stock at inventory; the checkout turns the hold into the order's
reservation; unpaid, the order expires when the manual clock passes its payment window (a durable
timer fired by the orders worker), and inventory puts the stock back for the next customer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.orders.application.expiry import PAYMENT_WINDOW
from shared.runtime.timers import timer_id
from tests.chassis.test_orders_concurrency import DETAILS, prepare
from tests.infra import Harness, eventually

SKU = "RING-STEEL-PEARL"


def stock(inventory: Any) -> tuple[int, int, int]:
    sku = inventory.app.get_sku(SKU)
    return sku.held, sku.reserved, sku.available


def test_O4_X1_I1_a_cart_holds_stock_its_order_reserves_it_and_the_unpaid_order_expires_and_frees_it(
    harness: Harness,
) -> None:
    orders, inventory = harness.runtime("orders"), harness.runtime("inventory")
    prepare(orders)
    inventory.app.add_sku(SKU, "Ring", 450, "USD", moq=12, weight_grams=6, on_hand=1_000)
    harness.start_worker("orders")
    harness.start_worker("inventory")

    # I1: the cart's line is held at inventory (through CartLineChanged).
    orders.app.add_to_cart("cust-1", SKU, 600)
    orders.app.add_to_cart("cust-1", SKU, 400)
    eventually(lambda: stock(inventory) == (1_000, 0, 0), timeout=60, what="the cart line held")

    # The checkout: the order reserves what the cart held; nothing is held any more.
    order_id = orders.app.checkout("cust-1", DETAILS, idempotency_key="chk-1")
    eventually(lambda: stock(inventory) == (0, 1_000, 0), timeout=60, what="the hold became the reservation")
    eventually(lambda: orders.app.get_order(order_id).stock == "reserved", timeout=60, what="orders heard")
    window = timer_id(PAYMENT_WINDOW, str(order_id))
    eventually(
        lambda: str(window) in {t["timer_id"] for t in orders.app.timers.pending()}, what="payment window indexed"
    )

    # Not paid: one second before the window closes nothing happens; then the order expires.
    due = orders.app.get_order(order_id).payment_due_at
    orders.clock.advance((due - orders.clock.now() - timedelta(seconds=1)).total_seconds())
    assert orders.app.timers.due() == []
    orders.clock.advance(2)
    eventually(lambda: orders.app.get_order(order_id).status == "Expired", timeout=60, what="order expired")
    eventually(lambda: stock(inventory) == (0, 0, 1_000), timeout=60, what="stock released")
    history = [e["type"] for e in orders.app.history(order_id)]
    assert history == ["Order.Placed", "Order.StockReservationRecorded", "Order.Expired"]
    assert inventory.app.reservation(str(order_id)).status == "released"

    # The next customer gets the stock.
    other = orders.app.place_order("cust-2", [(SKU, 1_000)], DETAILS)
    eventually(lambda: orders.app.get_order(other).stock == "reserved", timeout=60, what="next order reserved")
    assert stock(inventory) == (0, 1_000, 0)
