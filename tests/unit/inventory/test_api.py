"""The inventory HTTP API on in-memory storage: who may do what (X2), bad input named by field and
rule with nothing stored (X3), holds, stock, picking and the auditors' history and replay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.inventory.api import create_app
from shared.runtime.identity import mint
from tests.unit.inventory.scenario import RING, Scenario


@pytest.fixture
def s() -> Scenario:
    return Scenario(ring=20)


@pytest.fixture
def client(s: Scenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def token(s: Scenario, role: str, subject: str) -> dict[str, str]:
    platform = s.runtime.settings.platform
    return {"authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, role, subject)}"}


def problem(response) -> tuple[int, str, str]:
    """The status and the (first, or only) problem named; with several, the one a test looks for."""
    details = response.json()["errors"]
    assert len(details) == 1, details
    return response.status_code, details[0]["field"], details[0]["rule"]


def test_I1_customers_hold_list_and_release_over_http_and_availability_is_public(s, client) -> None:
    cust = token(s, "customer", "cust-1")
    placed = client.post("/holds", json={"sku": RING, "quantity": 7}, headers=cust)
    assert placed.status_code == 201
    hold = placed.json()
    assert (hold["sku"], hold["quantity"], hold["expires_at"]) == (RING, 7, "2026-03-02T09:30:00Z")
    assert client.get(f"/skus/{RING}").json()["available"] == 13
    assert [h["hold_id"] for h in client.get("/holds/mine", headers=cust).json()] == [hold["hold_id"]]
    other = token(s, "customer", "cust-2")
    assert client.get("/holds/mine", headers=other).json() == []
    assert problem(client.delete(f"/holds/{hold['hold_id']}", headers=other)) == (404, "hold_id", "I1")
    assert client.delete(f"/holds/{hold['hold_id']}", headers=cust).status_code == 200
    assert [x["available"] for x in client.get("/skus").json() if x["sku"] == RING] == [20]


def test_I2_a_hold_beyond_availability_is_409_with_the_reason(s, client) -> None:
    cust = token(s, "customer", "cust-1")
    client.post("/holds", json={"sku": RING, "quantity": 18}, headers=cust)
    refused = client.post("/holds", json={"sku": RING, "quantity": 3}, headers=cust)
    assert problem(refused) == (409, "quantity", "I2")
    assert refused.json()["errors"][0]["message"] == f"{RING}: only 2 available, asked for 3"


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/holds", {"sku": RING, "quantity": 0}, (422, "quantity", "greater_than")),
        ("POST", "/holds", {"sku": RING}, (422, "quantity", "missing")),
        ("POST", "/holds", {"sku": "NO-SUCH", "quantity": 1}, (404, "sku", "I1")),
        ("POST", "/holds", {"sku": RING, "quantity": 1, "colour": "red"}, (422, "colour", "extra_forbidden")),
        ("DELETE", "/holds/not-a-uuid", None, (422, "hold_id", "uuid_parsing")),
    ],
)
def test_X3_bad_hold_input_names_the_field_and_rule_and_stores_nothing(s, client, method, path, body, expected):
    before = s.app.max_notification_id()
    response = client.request(method, path, json=body, headers=token(s, "customer", "cust-1"))
    assert problem(response) == expected
    assert s.app.max_notification_id() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        (
            "POST",
            "/skus",
            {
                "sku": "bad code",
                "name": "x",
                "unit_price": {"amount_minor": 1, "currency": "USD"},
                "moq": 1,
                "weight_grams": 1,
                "on_hand": 1,
            },
            (422, "sku", "string_pattern_mismatch"),
        ),
        (
            "POST",
            "/skus",
            {
                "sku": RING,
                "name": "x",
                "unit_price": {"amount_minor": 1, "currency": "USD"},
                "moq": 1,
                "weight_grams": 1,
                "on_hand": 1,
            },
            (409, "sku", "I1"),
        ),
        ("POST", f"/skus/{RING}/receipts", {"quantity": -1, "reference": "x"}, (422, "quantity", "greater_than")),
        ("POST", f"/skus/{RING}/adjustments", {"change": -21, "reason": "damaged batch"}, (409, "change", "I2")),
        ("POST", f"/skus/{RING}/adjustments", {"reason": "count"}, (422, "counted", "X3")),
        ("POST", f"/skus/{RING}/adjustments", {"counted": 3}, (422, "reason", "missing")),
        ("POST", "/picking/6f1c7a52-7d1e-4b8e-9a43-2c5d7e9f1a01/start", None, (404, "order_id", "I4")),
    ],
)
def test_X3_bad_ops_input_names_the_field_and_rule_and_stores_nothing(s, client, method, path, body, expected):
    before = s.app.max_notification_id()
    response = client.request(method, path, json=body, headers=token(s, "ops", "ops-1"))
    assert problem(response) == expected
    assert s.app.max_notification_id() == before


def test_X2_holds_are_for_customers_stock_and_picking_for_ops_history_for_auditors(s, client) -> None:
    customer, ops, auditor = (token(s, r, f"{r}-1") for r in ("customer", "ops", "auditor"))
    adjust = {"change": -1, "reason": "damaged"}
    assert client.post("/holds", json={"sku": RING, "quantity": 1}).status_code == 401
    assert client.post("/holds", json={"sku": RING, "quantity": 1}, headers=ops).status_code == 403
    assert client.post(f"/skus/{RING}/adjustments", json=adjust, headers=customer).status_code == 403
    assert client.post(f"/skus/{RING}/adjustments", json=adjust, headers=auditor).status_code == 403
    assert client.get(f"/skus/{RING}/history", headers=customer).status_code == 403
    assert client.get(f"/skus/{RING}/stock", headers=auditor).status_code == 200
    order = s.place((RING, 2))
    s.confirm(order)
    assert client.post(f"/picking/{order}/start", headers=customer).status_code == 403
    assert client.post(f"/picking/{order}/start", headers=auditor).status_code == 403
    assert client.post(f"/picking/{order}/start", headers=ops).json()["status"] == "picking"
    finished = client.post(f"/picking/{order}/finish", json={"weight_grams": 15}, headers=ops).json()
    assert (finished["status"], finished["weight_grams"]) == ("prepared", 15)


def test_ops_catalogue_receive_adjust_and_auditors_replay_the_sku_as_of_any_instant(s, client) -> None:
    ops, auditor = token(s, "ops", "ops-1"), token(s, "auditor", "aud-1")
    new = {
        "sku": "EAR-NEW",
        "name": "Ear",
        "unit_price": {"amount_minor": 99, "currency": "USD"},
        "moq": 2,
        "weight_grams": 3,
        "on_hand": 10,
    }
    assert client.post("/skus", json=new, headers=ops).status_code == 201
    s.at(timedelta(hours=1))
    assert (
        client.post("/skus/EAR-NEW/receipts", json={"quantity": 5, "reference": "DN-1"}, headers=ops).json()["on_hand"]
        == 15
    )
    s.at(timedelta(hours=2))
    order = s.place(("EAR-NEW", 12))
    s.at(timedelta(hours=3))
    adjusted = client.post("/skus/EAR-NEW/adjustments", json={"counted": 9, "reason": "count"}, headers=ops).json()
    assert adjusted["shortfalls"] == [{"order_id": order, "sku": "EAR-NEW", "asked": 12, "reserved": 9, "short": 3}]
    assert (adjusted["stock"]["on_hand"], adjusted["stock"]["reserved"]) == (9, 9)

    history = client.get("/skus/EAR-NEW/history", headers=auditor).json()
    assert [e["type"] for e in history] == ["Sku.Catalogued", "Sku.StockReceived", "Sku.Reserved", "Sku.StockAdjusted"]
    assert [(e["event_type"], e["schema_version"]) for e in history[:2]] == [
        ("SkuCatalogued", 1),
        ("Sku.StockReceived", None),
    ]
    assert history[1]["data"] == {"quantity": 5, "reference": "DN-1", "by": "ops-1"}
    then = client.get("/skus/EAR-NEW/replay", params={"as_of": "2026-03-02T10:30:00Z"}, headers=auditor).json()
    assert (then["on_hand"], then["reserved"], then["available"]) == (15, 0, 15)
    now = client.get("/skus/EAR-NEW/replay", params={"as_of": "2026-03-02T12:00:00Z"}, headers=auditor).json()
    assert (now["on_hand"], now["reserved"], now["available"]) == (9, 9, 0)
    naive = client.get("/skus/EAR-NEW/replay", params={"as_of": "2026-03-02T12:00:00"}, headers=auditor)
    assert problem(naive) == (422, "as_of", "X3")
    before = client.get("/skus/EAR-NEW/replay", params={"as_of": "2026-03-01T00:00:00Z"}, headers=auditor)
    assert problem(before) == (404, "as_of", "I1")
