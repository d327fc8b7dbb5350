"""Inventory in the running system, over HTTP and the real broker: a customer's hold becomes her
order's reservation (I1, I2); a damaged batch after confirmation cuts the newer order, which the
orders service reduces, owing the refund it asks payments for (I3); picking reports the parcel
weight (I4); a cancellation puts the stock back.
Payments are made at the payments service over HTTP, with the sandbox gateway's test card."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.events import decode
from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.kafka_helpers import read_all
from tools.launcher.stack import Stack

ADDRESS = {"name": "Ana Ruiz", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}
CHECKOUT = {
    "shipping_address": ADDRESS,
    "billing_address": ADDRESS,
    "payment_method": "card",
    "contact_email": "ana@example.com",
    "carrier": "DHL",
}
PRICE, WEIGHT = 450, 7


@pytest.fixture(scope="module")
def client(system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(system)
    yield c
    c.http.close()


def pay_by_card(client: SystemClient, who: dict[str, str], order_id: str) -> None:
    """The customer pays at the payments service (sandbox gateway, Visa test card)."""
    path = f"/payments/{order_id}"
    eventually(lambda: client.call("GET", "payments", path, headers=who).status_code == 200, what="payment opened")
    capture = client.call(
        "POST",
        "payments",
        f"{path}/goods/capture",
        json={"method": "card", "source": "4111111111111111"},
        headers={**who, "idempotency-key": f"pay-{order_id}"},
    )
    assert capture.json()["status"] == "captured"


def published(system: Stack, service: str, event_type: str, order_id: str) -> list[dict[str, Any]]:
    """The payloads of `event_type` about one order on `<service>.events` (each once)."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for record in read_all(system.bootstrap, f"{system.config.namespace}.{service}.events"):
        envelope, _ = decode(record.value)
        if envelope.event_type == event_type and envelope.order_id == order_id:
            found[envelope.event_id] = envelope.payload
    return list(found.values())


def test_I1_I2_I3_I4_hold_to_reservation_shortfall_refund_picking_and_release(
    client: SystemClient, system: Stack
) -> None:
    ops, auditor = client.token("ops", "ops-1"), client.token("auditor", "aud-1")
    alice, bob = (f"cust-{secrets.token_hex(3)}" for _ in range(2))
    as_alice, as_bob = client.token("customer", alice), client.token("customer", bob)
    code = f"RING-T{secrets.token_hex(3).upper()}"

    def order(who: dict[str, str], order_id: str) -> dict[str, Any]:
        return client.call("GET", "orders", f"/orders/{order_id}", headers=who).json()

    def available() -> int:
        return client.call("GET", "inventory", f"/skus/{code}").json()["available"]

    def place(who: str, quantity: int) -> str:
        body = {"lines": [{"sku": code, "quantity": quantity}], **CHECKOUT}
        headers = client.token("customer", who)
        response = eventually(  # once the orders service has heard of the new SKU
            lambda: (
                (r := client.call("POST", "orders", "/orders", json=body, headers=headers)).status_code == 201 and r
            ),
            what="order accepted",
        )
        order_id: str = response.json()["order_id"]
        eventually(lambda: order(headers, order_id)["stock"] == "reserved", what="stock reserved via Kafka")
        return order_id

    # Ops catalogue a new ring with 30 on hand (SkuCatalogued tells the orders service).
    sku = {"sku": code, "name": "Test ring", "unit_price": {"amount_minor": PRICE, "currency": "USD"}, "moq": 1}
    created = client.call(
        "POST", "inventory", "/skus", json={**sku, "weight_grams": WEIGHT, "on_hand": 30}, headers=ops
    )
    assert created.status_code == 201

    # I1: Alice adds 10 to her cart: a hold. Then she orders them: the hold becomes the reservation.
    assert (
        client.call("POST", "inventory", "/holds", json={"sku": code, "quantity": 10}, headers=as_alice).status_code
        == 201
    )
    assert available() == 20
    first = place(alice, 10)
    assert client.call("GET", "inventory", "/holds/mine", headers=as_alice).json() == []
    assert available() == 20
    # I2: Bob takes the other 20.
    second = place(bob, 20)
    assert available() == 0

    # Both are paid; inventory hears the confirmations (picking may start, its SLA runs).
    pay_by_card(client, as_alice, first)
    pay_by_card(client, as_bob, second)

    def confirmed(who: dict[str, str], order_id: str) -> bool:
        inventory_view = client.call("GET", "inventory", f"/picking/{order_id}", headers=ops).json()
        return order(who, order_id)["status"] == "Confirmed" and inventory_view["status"] == "confirmed"

    eventually(lambda: confirmed(as_alice, first) and confirmed(as_bob, second), what="both confirmed, both seen")

    # I3: 6 rings turn out damaged; the newer order (Bob's) gives way: asked 20, reserved 14, short 6.
    adjusted = client.call(
        "POST", "inventory", f"/skus/{code}/adjustments", json={"change": -6, "reason": "damaged batch"}, headers=ops
    ).json()
    assert adjusted["shortfalls"] == [{"order_id": second, "sku": code, "asked": 20, "reserved": 14, "short": 6}]
    # ... the orders service reduces Bob's order, and its total ...
    reduced = eventually(
        lambda: (o := order(as_bob, second))["total"]["amount_minor"] == 14 * PRICE and o, what="reduced"
    )
    assert ([line["quantity"] for line in reduced["lines"]], reduced["refund_due"]["amount_minor"]) == ([14], 6 * PRICE)
    # ... and asks payments for the refund (OrderItemsReduced, which the payments service consumes).
    [items_reduced] = eventually(
        lambda: published(system, "orders", "OrderItemsReduced", second), what="OrderItemsReduced published"
    )
    assert items_reduced["lines"] == [{"sku": code, "quantity_before": 20, "quantity_after": 14}]
    assert items_reduced["refund"] == {"amount_minor": 6 * PRICE, "currency": "USD"}
    # ... which payments refunds to Bob's card (P6), and the orders service records.
    [refund] = eventually(lambda: published(system, "payments", "RefundIssued", second), what="RefundIssued")
    assert (refund["amount"]["amount_minor"], refund["method"]) == (6 * PRICE, "card")
    eventually(lambda: order(as_bob, second)["refunded"]["amount_minor"] == 6 * PRICE, what="refund recorded")
    assert order(as_alice, first)["total"]["amount_minor"] == 10 * PRICE

    # I4: Alice's order is picked: Processing, then the parcel weight (10 x 7 g) for shipping.
    started = client.call("POST", "inventory", f"/picking/{first}/start", headers=ops)
    assert started.json()["status"] == "picking"
    eventually(lambda: order(as_alice, first)["status"] == "Processing", what="order processing")
    finished = client.call("POST", "inventory", f"/picking/{first}/finish", headers=ops).json()
    assert (finished["status"], finished["weight_grams"]) == ("prepared", 10 * WEIGHT)
    [prepared] = eventually(lambda: published(system, "inventory", "GoodsPrepared", first), what="GoodsPrepared")
    assert prepared["weight_grams"] == 10 * WEIGHT

    # Bob cancels (free, within 6 hours): his 14 rings go back on the shelf.
    assert client.call("POST", "orders", f"/orders/{second}/cancel", headers=as_bob).status_code == 200
    eventually(lambda: available() == 14, what="stock released")
    [released] = eventually(lambda: published(system, "inventory", "StockReleased", second), what="StockReleased")
    assert released["lines"] == [{"sku": code, "quantity": 14}]

    # Auditors read the whole story of the SKU.
    history = client.call("GET", "inventory", f"/skus/{code}/history", headers=auditor).json()
    assert [e["type"].removeprefix("Sku.") for e in history] == [
        "Catalogued",
        "HoldPlaced",
        "Reserved",
        "Reserved",
        "StockAdjusted",
        "Picked",
        "ReservationReleased",
    ]
    stock = client.call("GET", "inventory", f"/skus/{code}/stock", headers=auditor).json()
    assert (stock["on_hand"], stock["held"], stock["reserved"], stock["available"]) == (14, 0, 0, 14)


def test_I2_I3_P6_an_order_reserved_short_at_checkout_is_charged_for_what_is_there(
    client: SystemClient, system: Stack
) -> None:
    """12 rings on hand, 20 asked: the reservation is partial, the orders service reduces the order
    before payment, payments asks the card for the new total, and nothing has to be refunded."""
    ops = client.token("ops", "ops-1")
    carol = f"cust-{secrets.token_hex(3)}"
    as_carol = client.token("customer", carol)
    code = f"RING-S{secrets.token_hex(3).upper()}"
    sku = {"sku": code, "name": "Short ring", "unit_price": {"amount_minor": PRICE, "currency": "USD"}, "moq": 1}
    created = client.call(
        "POST", "inventory", "/skus", json={**sku, "weight_grams": WEIGHT, "on_hand": 12}, headers=ops
    )
    assert created.status_code == 201

    body = {"lines": [{"sku": code, "quantity": 20}], **CHECKOUT}
    response = eventually(
        lambda: (r := client.call("POST", "orders", "/orders", json=body, headers=as_carol)).status_code == 201 and r,
        what="order accepted",
    )
    order_id = response.json()["order_id"]
    assert response.json()["total"]["amount_minor"] == 20 * PRICE

    def order() -> dict[str, Any]:
        return client.call("GET", "orders", f"/orders/{order_id}", headers=as_carol).json()

    reduced = eventually(lambda: (o := order())["stock"] == "partially reserved" and o, what="partial reservation")
    assert ([line["quantity"] for line in reduced["lines"]], reduced["total"]["amount_minor"]) == ([12], 12 * PRICE)
    assert (reduced["status"], reduced["refund_due"]["amount_minor"]) == ("PendingPayment", 0)

    def asked() -> int:
        found = client.call("GET", "payments", f"/payments/{order_id}", headers=as_carol)
        return found.json()[0]["amount"]["amount_minor"] if found.status_code == 200 else 0

    eventually(lambda: asked() == 12 * PRICE, what="payments asks for the reduced total")
    pay_by_card(client, as_carol, order_id)
    confirmed = eventually(lambda: (o := order())["status"] == "Confirmed" and o, what="confirmed")
    assert (confirmed["paid"]["amount_minor"], confirmed["refund_due"]["amount_minor"]) == (12 * PRICE, 0)
    [captured] = eventually(lambda: published(system, "payments", "PaymentCaptured", order_id), what="captured")
    assert captured["amount"]["amount_minor"] == 12 * PRICE
    assert published(system, "orders", "OrderRefundDue", order_id) == []
