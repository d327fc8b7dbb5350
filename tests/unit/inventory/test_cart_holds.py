"""I1 (issue 12 item 12): adding to the cart places a hold. Orders publishes each cart line's
quantity (CartLineChanged); inventory holds that much for the customer while there is stock, until
the hold TTL passes; the order placed from the cart takes the holds, and holds that reach inventory
after the order was reserved end with the checkout (CartCheckedOut). An order not paid in time
expires (OrderExpired) and its stock goes back."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.inventory.application.policies import HOLD_EXPIRY, hold_target
from tests.unit.inventory.scenario import PENDANT, RING, T0, Scenario

MIN = timedelta(minutes=1)


def holds(s: Scenario, customer: str = "cust-1") -> list[tuple[str, int]]:
    return [(h.sku, h.quantity) for h in s.app.holds_of(customer)]


def test_I1_a_cart_line_holds_its_quantity_and_follows_each_change() -> None:
    s = Scenario(ring=20)
    s.cart(RING, 10)
    assert (holds(s), s.sku().available) == ([(RING, 10)], 10)
    s.at(10 * MIN)
    s.cart(RING, 14)  # added 4 more: the hold becomes 14, for a new TTL
    [view] = s.app.holds_of("cust-1")
    assert (view.quantity, view.expires_at, s.sku().available) == (14, T0 + 40 * MIN, 6)
    s.cart(RING, 0)  # removed from the cart
    assert (holds(s), s.sku().available) == ([], 20)
    assert s.history() == ["Catalogued", "HoldPlaced", "HoldReleased", "HoldPlaced", "HoldReleased"]
    assert [e.reason for e in s.app.domain_events(s.sku().id) if type(e).__name__ == "HoldReleased"] == [
        "the cart changed",
        "the cart changed",
    ]


def test_I1_a_cart_hold_expires_after_the_ttl_and_frees_its_stock() -> None:
    s = Scenario(ring=20)
    s.cart(RING, 5)
    [view] = s.app.holds_of("cust-1")
    assert view.expires_at == T0 + 30 * MIN
    s.at(30 * MIN)
    assert s.fire(HOLD_EXPIRY, hold_target(RING, view.hold_id)) is True
    assert (holds(s), s.sku().available, s.sku().held) == ([], 20, 0)


def test_I1_a_cart_line_holds_only_what_is_there_and_the_old_holds_timer_ends_with_it() -> None:
    s = Scenario(ring=20)
    s.app.place_hold("cust-2", RING, 12)
    s.cart(RING, 10)
    [first] = s.app.holds_of("cust-1")
    assert (first.quantity, s.sku().available) == (8, 0)
    s.cart(RING, 3)
    assert holds(s) == [(RING, 3)]
    assert s.fire(HOLD_EXPIRY, hold_target(RING, first.hold_id)) is False  # cancelled with its hold
    s.cart("NO-SUCH-SKU", 3)  # a product inventory does not list: nothing held, nothing dead-lettered
    assert holds(s) == [(RING, 3)]


def test_I1_the_order_placed_from_the_cart_takes_its_holds_whichever_message_comes_first() -> None:
    # in order: the line, the checkout, then the order
    s = Scenario(ring=20, pendant=50)
    s.cart(RING, 12)
    s.cart(PENDANT, 6)
    order_id = str(uuid.uuid4())
    s.checked_out(order_id, PENDANT, RING)  # the order is not reserved yet: its holds wait for it
    assert sorted(holds(s)) == [(PENDANT, 6), (RING, 12)]
    s.app.place_hold("cust-2", RING, 8)  # the rest of the rings go to someone else meanwhile
    s.place((RING, 12), (PENDANT, 6), order_id=order_id)
    assert s.published(order_id)[0][1]["lines"] == [
        {"sku": RING, "asked": 12, "reserved": 12, "short": 0},
        {"sku": PENDANT, "asked": 6, "reserved": 6, "short": 0},
    ]
    assert (holds(s), s.sku(RING).reserved, s.sku(RING).held) == ([], 12, 8)

    # the order reserved before the cart's line reached inventory: the late hold ends at the checkout
    s = Scenario(ring=20)
    order_id = s.place((RING, 12))
    s.cart(RING, 12)
    assert (holds(s), s.sku().available) == ([(RING, 8)], 0)
    s.checked_out(order_id, RING)
    assert (holds(s), s.sku().reserved, s.sku().available) == ([], 12, 8)


def test_I1_O4_an_expired_order_puts_its_stock_back() -> None:
    """One unpaid order of all the stock used to keep it for ever; later orders were cut to 0."""
    s = Scenario(ring=20)
    unpaid = s.place((RING, 20))
    assert s.sku().available == 0
    s.at(timedelta(hours=72))
    s.expire(unpaid)
    assert (s.sku().reserved, s.sku().available) == (0, 20)
    assert s.published(unpaid)[-1] == (
        "StockReleased",
        {
            "lines": [{"sku": RING, "quantity": 20}],
            "reason": "order expired: not paid within 72 h of placing",
            "released_at": "2026-03-05T09:00:00Z",
        },
    )
    later = s.place((RING, 20), customer="cust-2")
    assert s.published(later)[0][1]["lines"] == [{"sku": RING, "asked": 20, "reserved": 20, "short": 0}]
    s.expire(unpaid)  # told twice: nothing more
    assert s.sku().reserved == 20
