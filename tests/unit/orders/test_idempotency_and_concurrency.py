"""O1 under retries and concurrency (issue 12 items 10 and 11): the same Idempotency-Key with the
same request returns the same order, with another request it is refused naming the header; a
retry without a key places a second order (documented). Parallel writes of one customer's cart
(orders placed at once, cart changes) all succeed: a version conflict is decided again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace

import pytest
from eventsourcing.persistence import IntegrityError
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.domain.errors import IdempotencyKeyReused
from shared.runtime import store
from tests.unit.orders.scenario import ADDRESS, DETAILS, Scenario


def body(**change: object) -> dict[str, object]:
    return {
        "lines": [{"sku": "RING-STEEL-PEARL", "quantity": 12}],
        "shipping_address": asdict(ADDRESS),
        "billing_address": asdict(ADDRESS),
        "payment_method": "card",
        "contact_email": "ana@example.com",
        "carrier": "DHL",
        **change,
    }


def test_O1_the_same_key_with_another_body_is_refused_naming_the_idempotency_key() -> None:
    s = Scenario()
    key = {"idempotency-key": "order-2026-03-02-a"}
    with TestClient(create_app(s.runtime)) as client:
        first = client.post("/orders", json=body(), headers={**s.headers(), **key})
        again = client.post("/orders", json=body(), headers={**s.headers(), **key})
        before = s.app.max_notification_id()
        other = client.post(
            "/orders", json=body(lines=[{"sku": "RING-STEEL-PEARL", "quantity": 24}]), headers={**s.headers(), **key}
        )
        other_card = client.post("/orders", json=body(payment_method="paypal"), headers={**s.headers(), **key})
        as_checkout = client.post("/carts/mine/checkout", json=body(lines=None), headers={**s.headers(), **key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["order_id"] == first.json()["order_id"]
    for refused in (other, other_card):
        [problem] = refused.json()["errors"]
        assert (refused.status_code, problem["field"], problem["rule"]) == (422, "Idempotency-Key", "O1")
        assert problem["message"] == (
            f"this Idempotency-Key placed order {first.json()['order_id']} from a different request; "
            "a new order needs a new key"
        )
    assert as_checkout.status_code == 422  # {"lines": null} is not a checkout body
    assert s.app.max_notification_id() == before  # nothing stored
    assert s.order(first.json()["order_id"]).total_minor == 12 * 450


def test_O1_a_checkout_retried_with_its_key_returns_the_order_even_though_the_cart_is_empty_now() -> None:
    s = Scenario()
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 12)
    order_id = s.app.checkout("cust-1", DETAILS, idempotency_key="chk-1")
    assert s.app.cart("cust-1").items == {}
    assert s.app.checkout("cust-1", DETAILS, idempotency_key="chk-1") == order_id
    with pytest.raises(IdempotencyKeyReused) as info:
        s.app.checkout("cust-1", replace(DETAILS, carrier="FedEx"), idempotency_key="chk-1")
    assert (info.value.field, info.value.rule) == ("Idempotency-Key", "O1")
    with pytest.raises(IdempotencyKeyReused):  # the same key for a direct order: another request
        s.app.place_order("cust-1", [("RING-STEEL-PEARL", 12)], DETAILS, idempotency_key="chk-1")
    # lines in another order are the same request
    first = s.app.place_order("cust-1", [("ODD-PRICE", 1), ("RING-STEEL-PEARL", 12)], DETAILS, "k2")
    assert s.app.place_order("cust-1", [("RING-STEEL-PEARL", 12), ("ODD-PRICE", 1)], DETAILS, "k2") == first


def test_O1_a_retry_without_a_key_places_a_second_order() -> None:
    s = Scenario()
    first = s.app.place_order("cust-1", [("RING-STEEL-PEARL", 12)], DETAILS)
    second = s.app.place_order("cust-1", [("RING-STEEL-PEARL", 12)], DETAILS)
    assert first != second
    assert sorted(o.id for o in s.app.orders_of(["cust-1"])) == sorted([first, second])


def test_O1_50_parallel_orders_of_one_customer_all_succeed_as_50_orders() -> None:
    """Placing saves the order and the customer's cart (its list of orders) together: parallel orders
    of one customer used to fail on the cart's version (500) instead of being decided again."""
    s = Scenario()

    def place(i: int) -> str:
        return str(s.app.place_order("cust-1", [("ODD-PRICE", 1 + i)], DETAILS, idempotency_key=f"k{i}"))

    with ThreadPoolExecutor(8) as pool:
        placed = list(pool.map(place, range(50)))
    assert len(set(placed)) == 50
    cart = s.app.cart("cust-1")
    assert sorted(cart.orders) == sorted(placed)
    assert sorted(o.total_minor for o in s.app.orders_of(["cust-1"])) == [335 * (1 + i) for i in range(50)]


def test_O1_parallel_cart_changes_of_one_customer_all_count() -> None:
    s = Scenario()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: s.app.add_to_cart("cust-1", "ODD-PRICE", 2), range(40)))
    assert s.app.cart("cust-1").items == {"ODD-PRICE": 80}


def test_O1_a_write_that_keeps_meeting_newer_versions_is_409_and_records_nothing(monkeypatch) -> None:
    s = Scenario(conflict_retries=3)
    before = s.app.max_notification_id()
    tries = []

    def always_newer(*aggregates: object) -> None:
        tries.append(len(aggregates))
        raise IntegrityError("another writer saved first")

    monkeypatch.setattr(s.app, "save", always_newer)
    monkeypatch.setattr(store, "backoff", lambda attempt: None)
    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/orders", json=body(), headers=s.headers())
    [problem] = refused.json()["errors"]
    assert (refused.status_code, problem["field"], problem["rule"]) == (409, "order", "O1")
    assert problem["message"] == "changed by others 3 times in a row; nothing was recorded, try again"
    assert tries == [3, 3, 3]  # decided again each time: the order, the cart, the payment window
    assert s.app.max_notification_id() == before
