"""The walking skeleton, driven over HTTP like a user, through the real broker and stores:
POST /orders -> OrderPlaced stored -> relayed -> inventory reserves -> StockReserved -> orders."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx
import pytest

from services.inventory.domain.reservation import reservation_id
from tests.infra import eventually
from tests.integration.client import SystemClient
from tools.launcher.stack import Stack

SKU = "NECK-ZIRC-PEND"


@pytest.fixture(scope="module")
def client(system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(system)
    yield c
    c.http.close()


ADDRESS = {"name": "Ana Ruiz", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}
CHECKOUT = {
    "shipping_address": ADDRESS,
    "billing_address": {**ADDRESS, "name": "Ruiz Joyas SL"},
    "payment_method": "card",
    "contact_email": "ana@example.com",
    "carrier": "DHL",
}


def place(client: SystemClient, customer: str, lines: list[dict[str, object]], **headers: str) -> httpx.Response:
    body = {"lines": lines, **CHECKOUT}
    return client.call(
        "POST", "orders", "/orders", json=body, headers={**client.token("customer", customer), **headers}
    )


def test_order_is_reserved_through_kafka_and_its_status_is_derived(client: SystemClient) -> None:
    customer = f"cust-{secrets.token_hex(3)}"
    correlation = f"corr-{secrets.token_hex(6)}"
    available = client.call("GET", "inventory", f"/skus/{SKU}").json()["available"]
    # The orders service knows the catalogue once inventory's SkuCatalogued events reached it.
    response = eventually(
        lambda: (
            (
                r := place(client, customer, [{"sku": SKU, "quantity": 6}], **{"x-correlation-id": correlation})
            ).status_code
            == 201
            and r
        ),
        what="order accepted",
    )
    order = response.json()
    assert (order["status"], order["stock"], order["total"]) == (
        "PendingPayment",
        "awaiting reservation",
        {"amount_minor": 6 * 780, "currency": "USD"},
    )

    shown = eventually(
        lambda: (
            (
                o := client.call(
                    "GET", "orders", f"/orders/{order['order_id']}", headers=client.token("customer", customer)
                ).json()
            )["stock"]
            == "reserved"
            and o
        ),
        what="reservation shown on the order",
    )
    assert shown["status"] == "PendingPayment"
    assert shown["reservation"] == [{"sku": SKU, "asked": 6, "reserved": 6, "short": 0}]
    assert client.call("GET", "inventory", f"/skus/{SKU}").json()["available"] == available - 6

    # Auditors see each service's events, all carrying the correlation id of the first request.
    auditor = client.token("auditor", "aud-1")
    trail = client.call("GET", "orders", f"/admin/history/{order['order_id']}", headers=auditor).json()
    assert [e["type"] for e in trail] == ["Order.Placed", "Order.StockReservationRecorded"]
    reservation = client.call(
        "GET", "inventory", f"/admin/history/{reservation_id(order['order_id'])}", headers=auditor
    ).json()
    assert [e["type"] for e in reservation] == ["Reservation.Made"]
    assert {e["correlation_id"] for e in trail + reservation} == {correlation}
    assert trail[1]["causation_id"] is not None

    # As of the instant it was placed, the order had no reservation yet.
    as_of = client.call(
        "GET", "orders", f"/admin/replay/{order['order_id']}", params={"as_of": trail[0]["timestamp"]}, headers=auditor
    ).json()
    assert as_of["state"]["stock"] == "awaiting reservation"


def merged(change: dict[str, object]) -> dict[str, object]:
    """A valid order body with `change` applied (a None value removes the field)."""
    body: dict[str, object] = {"lines": [{"sku": SKU, "quantity": 6}], **CHECKOUT, **change}
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ('{"lines": [', "(body)", "json_invalid"),
        ({"lines": None}, "lines", "missing"),
        ({"lines": []}, "lines", "too_short"),
        ({"lines": [{"sku": SKU, "quantity": 0}]}, "lines.0.quantity", "greater_than"),
        ({"lines": [{"sku": SKU}]}, "lines.0.quantity", "missing"),
        ({"lines": [{"sku": SKU, "quantity": 6, "colour": "red"}]}, "lines.0.colour", "extra_forbidden"),
        ({"lines": [{"sku": SKU, "quantity": 6}, {"sku": "NOPE", "quantity": 1}]}, "lines.1.sku", "O1"),
        ({"lines": [{"sku": "RING-STEEL-PEARL", "quantity": 6}]}, "lines.0.quantity", "O2"),
        ({"payment_method": "amex"}, "payment_method", "literal_error"),
        ({"contact_email": "not-an-address"}, "contact_email", "string_pattern_mismatch"),
        ({"carrier": None}, "carrier", "missing"),
        ({"carrier": "UPS"}, "carrier", "literal_error"),
        ({"carrier": "FedEx", "shipping_address": {**ADDRESS, "country": "IS"}}, "carrier", "S1"),
        ({"billing_address": {"name": "x"}}, "billing_address.line1", "missing"),
    ],
)
def test_X3_bad_order_input_gets_422_naming_the_field_and_stores_nothing(
    client: SystemClient, body: str | dict[str, object], field: str, rule: str
) -> None:
    eventually(lambda: client.call("GET", "orders", "/readyz").status_code == 200, what="orders ready")
    eventually(lambda: client.call("GET", "orders", "/carriers").status_code == 200, what="carriers known (S1)")
    before = client.stored("orders")
    response = client.call(
        "POST",
        "orders",
        "/orders",
        content=body if isinstance(body, str) else json.dumps(merged(body)),
        headers={**client.token("customer", "cust-x3"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert {"field": field, "rule": rule} in [
        {"field": d["field"], "rule": d["rule"]} for d in response.json()["errors"]
    ]
    assert client.stored("orders") == before


def test_X2_missing_token_is_401_and_wrong_role_is_403(client: SystemClient) -> None:
    line = [{"sku": SKU, "quantity": 6}]
    body = merged({})
    assert client.call("POST", "orders", "/orders", json=body).status_code == 401
    bad_token = {"authorization": "Bearer not-a-token"}
    assert client.call("POST", "orders", "/orders", json=body, headers=bad_token).status_code == 401
    assert client.call("POST", "orders", "/orders", json=body, headers=client.token("ops", "ops-1")).status_code == 403
    owner = f"cust-{secrets.token_hex(3)}"
    order = eventually(lambda: (r := place(client, owner, line)).status_code == 201 and r.json(), what="order")
    path = f"/orders/{order['order_id']}"
    assert client.call("GET", "orders", path, headers=client.token("customer", "someone-else")).status_code == 403
    assert (
        client.call("GET", "orders", path, headers=client.token("account_manager", "am-1", (owner,))).status_code == 200
    )
    assert (
        client.call("GET", "orders", path, headers=client.token("account_manager", "am-2", ("other",))).status_code
        == 403
    )
    for service in ("orders", "inventory", "payments", "shipping", "tickets"):
        assert client.call("GET", service, "/admin/positions").status_code == 401
        assert (
            client.call("GET", service, "/admin/positions", headers=client.token("customer", owner)).status_code == 403
        )
        assert (
            client.call("POST", service, "/admin/dlq/1/skip", headers=client.token("auditor", "aud-1")).status_code
            == 403
        )


def test_every_service_is_live_ready_and_exports_metrics(client: SystemClient) -> None:
    for service in ("orders", "inventory", "payments", "shipping", "tickets"):
        assert client.call("GET", service, "/livez").json() == {"status": "ok"}
        ready = client.call("GET", service, "/readyz")
        assert ready.status_code == 200
        assert {k: v["ok"] for k, v in ready.json()["checks"].items()} == {
            "postgres": True,
            "relay_lag": True,
            "kafka": True,
        }
        metrics = client.call("GET", service, "/metrics").text
        for name in (
            "hallmark_relay_lag",
            "hallmark_stored",
            "hallmark_published",
            "hallmark_dlq_open",
            "hallmark_http_request_seconds_bucket",
        ):
            assert name in metrics, (service, name)
        assert "openapi" in client.call("GET", service, "/openapi.json").json()


def test_manual_clock_is_advanced_by_ops_and_seen_by_every_service(client: SystemClient) -> None:
    ops = client.token("ops", "ops-1")
    before = client.call("GET", "tickets", "/admin/clock", headers=ops).json()
    assert before["manual"] is True
    assert client.call("POST", "orders", "/admin/clock/advance", json={"seconds": -5}, headers=ops).status_code == 422
    client.call("POST", "orders", "/admin/clock/advance", json={"seconds": 120}, headers=ops)
    after = client.call("GET", "tickets", "/admin/clock", headers=ops).json()
    from datetime import datetime

    moved = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
    assert 120 <= moved.total_seconds() < 180
    assert (
        client.call(
            "POST", "orders", "/admin/clock/advance", json={"seconds": 5}, headers=client.token("auditor", "a")
        ).status_code
        == 403
    )
