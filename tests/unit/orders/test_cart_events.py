"""I1, O1: every change of a cart line is published with the line's quantity after it, and a checkout
with the products it took, keyed by the cart so that inventory sees a cart's changes in order and
holds what the cart holds."""

from __future__ import annotations

from services.orders.adapters.outbound import translate
from services.orders.domain.cart import cart_id
from tests.unit.orders.scenario import DETAILS, Scenario


def published(s: Scenario) -> list[tuple[str, dict[str, object], str | None]]:
    found = []
    for domain_event in s.app.domain_events(cart_id("cust-1")):
        out = translate(domain_event)
        if out:
            found.append((out[0], out[1].model_dump(mode="json"), out[2]))
    return found


def test_I1_O1_each_cart_line_change_is_published_with_the_quantity_in_the_cart() -> None:
    s = Scenario()
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 10)
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 4)
    s.app.add_to_cart("cust-1", "NECK-ZIRC-PEND", 6)
    s.app.change_cart_quantity("cust-1", "NECK-ZIRC-PEND", 8)
    s.app.add_to_cart("cust-1", "ODD-PRICE", 1)
    s.app.remove_from_cart("cust-1", "ODD-PRICE")
    order_id = s.app.checkout("cust-1", DETAILS, idempotency_key="chk-1")
    at = "2026-03-02T09:00:00Z"
    assert published(s) == [
        (
            "CartLineChanged",
            {"customer_id": "cust-1", "sku": "RING-STEEL-PEARL", "quantity": 10, "changed_at": at},
            None,
        ),
        (
            "CartLineChanged",
            {"customer_id": "cust-1", "sku": "RING-STEEL-PEARL", "quantity": 14, "changed_at": at},
            None,
        ),
        ("CartLineChanged", {"customer_id": "cust-1", "sku": "NECK-ZIRC-PEND", "quantity": 6, "changed_at": at}, None),
        ("CartLineChanged", {"customer_id": "cust-1", "sku": "NECK-ZIRC-PEND", "quantity": 8, "changed_at": at}, None),
        ("CartLineChanged", {"customer_id": "cust-1", "sku": "ODD-PRICE", "quantity": 1, "changed_at": at}, None),
        ("CartLineChanged", {"customer_id": "cust-1", "sku": "ODD-PRICE", "quantity": 0, "changed_at": at}, None),
        (
            "CartCheckedOut",
            {
                "customer_id": "cust-1",
                "placed_order_id": str(order_id),
                "skus": ["NECK-ZIRC-PEND", "RING-STEEL-PEARL"],
                "checked_out_at": at,
            },
            None,
        ),
    ]


def test_I1_an_order_placed_directly_leaves_the_cart_and_publishes_no_checkout() -> None:
    s = Scenario()
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 12)
    s.app.place_order("cust-1", [("ODD-PRICE", 6)], DETAILS)
    assert [t for t, _, _ in published(s)] == ["CartLineChanged"]
    assert s.app.cart("cust-1").items == {"RING-STEEL-PEARL": 12}


def test_I1_cart_events_stored_before_they_carried_the_quantity_are_not_published() -> None:
    s = Scenario()
    cart = s.app.cart("cust-1")
    cart._add(sku="RING-STEEL-PEARL", quantity=12)  # as stored before: no quantity after the addition
    cart._record_order(order_id="o-1", from_cart=True)  # nor the products checked out
    s.app.save(cart)
    assert published(s) == []
