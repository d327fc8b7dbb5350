"""Quantities and money are bounded where they enter an order (X3, issue 12 items 13 and 15): a cart
line sums to at most 1,000,000 units, checked before anything is recorded; a product listed at 0 or
less is not for sale; an order's total stays below the configured ceiling; one currency per order
(O1, test_placing_and_storage). Each refusal is 422 naming the field and the rule, with nothing stored."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.domain.errors import OutOfBounds
from tests.unit.orders.scenario import ADDRESS, DETAILS, Scenario

CHECKOUT = {
    "shipping_address": asdict(ADDRESS),
    "billing_address": asdict(ADDRESS),
    "payment_method": "card",
    "contact_email": "ana@example.com",
    "carrier": "DHL",
}


def only_problem(response) -> tuple[int, str, str, str]:
    [problem] = response.json()["errors"]
    return response.status_code, problem["field"], problem["rule"], problem["message"]


def test_X3_O1_adding_past_a_million_of_one_product_is_refused_before_anything_is_recorded() -> None:
    s = Scenario()
    s.app.add_to_cart("cust-1", "ODD-PRICE", 1_000_000)
    before = s.app.max_notification_id()
    with pytest.raises(OutOfBounds) as info:
        s.app.add_to_cart("cust-1", "ODD-PRICE", 1)
    assert (info.value.field, info.value.rule) == ("quantity", "X3")
    assert (
        str(info.value)
        == "ODD-PRICE: at most 1,000,000 units of one product, 1,000,000 already and 1 more make 1,000,001"
    )
    assert s.app.max_notification_id() == before
    assert s.app.cart("cust-1").items == {"ODD-PRICE": 1_000_000}

    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/carts/mine/items", json={"sku": "ODD-PRICE", "quantity": 5}, headers=s.headers())
        shown = client.get("/carts/mine", headers=s.headers())
    assert only_problem(refused) == (
        422,
        "quantity",
        "X3",
        "ODD-PRICE: at most 1,000,000 units of one product, 1,000,000 already and 5 more make 1,000,005",
    )
    assert (shown.status_code, shown.json()["items"]) == (200, [{"sku": "ODD-PRICE", "quantity": 1_000_000}])
    assert s.app.max_notification_id() == before


def test_X3_O1_a_cart_stored_above_the_bound_is_shown_and_its_checkout_refused() -> None:
    """Before the bound was enforced a line could be stored at 1,000,005 (GET /carts/mine then
    answered 500 and checkout ordered 1,000,005): now it is shown, and checking it out is refused."""
    s = Scenario()
    cart = s.app.cart("cust-1")
    cart._add(sku="ODD-PRICE", quantity=1_000_005)  # as the old code recorded it
    s.app.save(cart)
    before = s.app.max_notification_id()
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get("/carts/mine", headers=s.headers())
        refused = client.post("/carts/mine/checkout", json=CHECKOUT, headers=s.headers())
        changed = client.put("/carts/mine/items/ODD-PRICE", json={"quantity": 1_000_000}, headers=s.headers())
    assert (shown.status_code, shown.json()["items"]) == (200, [{"sku": "ODD-PRICE", "quantity": 1_000_005}])
    assert only_problem(refused) == (
        422,
        "lines.0.quantity",
        "X3",
        "ODD-PRICE: at most 1,000,000 units of one product, asked for 1,000,005",
    )
    assert changed.status_code == 200
    assert s.app.max_notification_id() == before + 1  # only the change


def test_X3_O1_one_product_on_several_lines_is_bounded_as_one() -> None:
    s = Scenario()
    before = s.app.max_notification_id()
    with pytest.raises(OutOfBounds) as info:
        s.place([("ODD-PRICE", 600_000), ("RING-STEEL-PEARL", 12), ("ODD-PRICE", 400_001)])
    assert (info.value.field, info.value.rule) == ("lines.2.quantity", "X3")
    assert str(info.value) == (
        "ODD-PRICE: at most 1,000,000 units of one product, 600,000 already and 400,001 more make 1,000,001"
    )
    order_id = s.place([("ODD-PRICE", 600_000), ("ODD-PRICE", 400_000)])
    assert s.order(order_id).total_minor == 1_000_000 * 335
    assert (
        s.app.max_notification_id() == before + 4
    )  # the cart opened, the order, the cart records it, its payment window


def test_X3_a_product_listed_at_zero_or_less_is_not_for_sale() -> None:
    """Ops once set a price of -100,000: an order of it totalled -100,000 and payments dead-lettered it."""
    s = Scenario()
    s.catalogue("NEG-PRICE", -100_000, moq=1)
    s.catalogue("ZERO-PRICE", 0, moq=1)
    before = s.app.max_notification_id()
    for index, sku in enumerate(["NEG-PRICE", "ZERO-PRICE"]):
        with pytest.raises(OutOfBounds) as info:
            s.place([("ODD-PRICE", 1), (sku, 1)])
        assert (info.value.field, info.value.rule) == ("lines.1.sku", "X3")
        price = [-100_000, 0][index]
        assert str(info.value) == f"{sku} is listed at {price} minor units: not for sale until it has a price above 0"
    assert s.app.max_notification_id() == before

    # nor can an account manager add it to an order (O7)
    order_id = s.place([("ODD-PRICE", 6)])
    with pytest.raises(OutOfBounds) as info:
        s.app.change_order(order_id, "am-1", "add the free one", [("ODD-PRICE", 6), ("NEG-PRICE", 1)])
    assert (info.value.field, info.value.rule) == ("lines.1.sku", "X3")
    assert s.order(order_id).total_minor == 2010
    # a sample order pays the fee per item, not the price: allowed
    sample = s.place([("NEG-PRICE", 2)], sample=True)
    assert s.order(sample).total_minor == 600


def test_X3_an_order_total_stays_below_the_configured_ceiling() -> None:
    s = Scenario()
    ceiling = s.app.placing.max_total_minor
    assert ceiling == 10_000_000_000  # the default of ORDERS_MAX_ORDER_TOTAL_MINOR
    s.catalogue("GOLD-BAR", 9_999_999, moq=1)  # 99,999.99 a unit
    s.place([("GOLD-BAR", 1_000)])  # 9,999,999,000: below
    before = s.app.max_notification_id()
    with pytest.raises(OutOfBounds) as info:
        s.place([("GOLD-BAR", 1_001)])  # 10,009,998,999: refused
    assert (info.value.field, info.value.rule) == ("lines", "X3")
    assert str(info.value) == ("the order would total 10,009,998,999 USD minor units; orders stay below 10,000,000,000")
    assert s.app.max_notification_id() == before

    low = Scenario(max_order_total_minor=5_000)
    order_id = low.app.place_order("cust-1", [("ODD-PRICE", 14)], DETAILS)  # 4,690
    with pytest.raises(OutOfBounds):
        low.app.place_order("cust-1", [("ODD-PRICE", 15)], DETAILS)  # 5,025
    with pytest.raises(OutOfBounds):  # nor by a change (O7)
        low.app.change_order(order_id, "am-1", "one more", [("ODD-PRICE", 15)])
    assert low.order(order_id).total_minor == 4_690
