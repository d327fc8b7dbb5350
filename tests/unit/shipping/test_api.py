"""The shipping HTTP API on in-memory storage: who sees which shipment (X2), dispatch and receipt
refused by rule (S2, S4), auditors' history and as-of view, ops' lists, the tariff table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.shipping.api import create_app
from shared.runtime.identity import mint
from tests.unit.shipping.scenario import ShippingScenario


@pytest.fixture
def s() -> ShippingScenario:
    return ShippingScenario()


@pytest.fixture
def client(s: ShippingScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def token(s: ShippingScenario, role: str, subject: str, customers: tuple[str, ...] = ()) -> dict[str, str]:
    platform = s.runtime.settings.platform
    minted = mint(platform.jwt_secret, platform.jwt_issuer, role, subject, customers=customers)
    return {"authorization": f"Bearer {minted}"}


def detail(response) -> tuple[int, str, str]:
    problem = response.json()["errors"][0]
    return response.status_code, problem["field"], problem["rule"]


def test_X2_a_customer_sees_only_their_own_shipment(s, client) -> None:
    order_id = s.placed(customer="cust-1")
    s.prepared(order_id, 720)
    mine = client.get(f"/shipments/{order_id}", headers=token(s, "customer", "cust-1"))
    assert (mine.status_code, mine.json()["status"], mine.json()["quote"]["cost"]) == (
        200,
        "awaiting_payment",
        {"amount_minor": 1890, "currency": "USD"},
    )
    assert mine.json()["estimate"] == {"earliest": "2026-03-06", "latest": "2026-03-11", "basis": "if_paid_today"}
    other = client.get(f"/shipments/{order_id}", headers=token(s, "customer", "cust-2"))
    assert detail(other) == (403, "order_id", "X2")
    manager = token(s, "account_manager", "am-1", ("cust-1",))
    assert client.get(f"/shipments/{order_id}", headers=manager).status_code == 200
    assert client.get(f"/shipments/{order_id}", headers=token(s, "ops", "ops-1")).status_code == 200
    assert client.get(f"/shipments/{order_id}").status_code == 401
    unknown = client.get("/shipments/00000000-0000-4000-8000-000000000000", headers=token(s, "ops", "ops-1"))
    assert unknown.status_code == 404


def test_S2_dispatch_over_http_is_for_ops_and_refused_409_until_paid(s, client) -> None:
    ops = token(s, "ops", "ops-1")
    order_id = s.placed()
    s.prepared(order_id, 720)
    early = client.post(f"/shipments/{order_id}/dispatch", headers=ops)
    assert detail(early) == (409, "payment", "S2")
    assert early.json()["errors"][0]["message"] == "the shipping cost is not paid yet"
    s.captured(order_id, 1890)
    assert client.post(f"/shipments/{order_id}/dispatch", headers=token(s, "customer", "cust-1")).status_code == 403
    sent = client.post(f"/shipments/{order_id}/dispatch", headers=ops)
    assert (sent.status_code, sent.json()["status"], sent.json()["tracking_number"][:2]) == (200, "dispatched", "JD")
    assert sent.json()["estimate"] == {"earliest": "2026-03-06", "latest": "2026-03-11", "basis": "paid"}


def test_S4_receipt_over_http_is_refused_409_before_delivery_and_taken_after(s, client) -> None:
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    customer = token(s, "customer", "cust-1")
    early = client.post(f"/shipments/{order_id}/receipt", headers=customer)
    assert detail(early) == (409, "order_id", "S4")
    s.update(order_id, "delivered", signed_by="A. Ruiz")
    assert client.post(f"/shipments/{order_id}/receipt", headers=token(s, "customer", "cust-2")).status_code == 403
    taken = client.post(f"/shipments/{order_id}/receipt", headers=customer)
    assert (taken.status_code, taken.json()["status"]) == (200, "received")
    assert taken.json()["delivered"]["signed_by"] == "A. Ruiz"


def test_auditors_read_the_history_and_the_shipment_as_it_was(s, client) -> None:
    order_id = s.placed()
    s.prepared(order_id, 720)
    quoted_at = s.clock.now()
    s.advance(timedelta(hours=3))
    s.captured(order_id, 1890)
    auditor = token(s, "auditor", "aud-1")
    history = client.get(f"/shipments/{order_id}/history", headers=auditor).json()
    # Under the published name and version where the event leaves the service, the stored name as `type`.
    assert [(e["event_type"], e["schema_version"], e["type"]) for e in history] == [
        ("Shipment.Opened", None, "Shipment.Opened"),
        ("Shipment.OrderRecorded", None, "Shipment.OrderRecorded"),
        ("Shipment.WeightRecorded", None, "Shipment.WeightRecorded"),
        ("ShippingQuoted", 1, "Shipment.Quoted"),
        ("Shipment.ShippingPaid", None, "Shipment.ShippingPaid"),
    ]
    assert [e["published"] for e in history] == [False, False, False, True, False]
    then = client.get(f"/shipments/{order_id}", params={"as_of": quoted_at.isoformat()}, headers=auditor)
    assert (then.json()["status"], then.json()["paid"]) == ("awaiting_payment", None)
    customer = token(s, "customer", "cust-1")
    assert client.get(f"/shipments/{order_id}/history", headers=customer).status_code == 403
    as_of = client.get(f"/shipments/{order_id}", params={"as_of": quoted_at.isoformat()}, headers=customer)
    assert as_of.status_code == 403
    naive = client.get(f"/shipments/{order_id}", params={"as_of": "2026-03-02T09:00:00"}, headers=auditor)
    assert detail(naive) == (422, "as_of", "X3")


def test_S1_ops_list_refused_quotes_and_choose_the_missing_carrier(s, client) -> None:
    ops = token(s, "ops", "ops-1")
    order_id = s.placed_v2()
    s.prepared(order_id, 720)
    listed = client.get("/admin/refused-quotes", headers=ops).json()
    assert [(x["order_id"], x["quote_refused"]["problem"]) for x in listed] == [(order_id, "no_carrier")]
    assert client.get("/admin/refused-quotes", headers=token(s, "customer", "cust-1")).status_code == 403
    bad = client.post(f"/shipments/{order_id}/carrier", json={"carrier": "UPS"}, headers=ops)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "carrier")
    chosen = client.post(f"/shipments/{order_id}/carrier", json={"carrier": "DHL"}, headers=ops)
    assert (chosen.status_code, chosen.json()["quote"]["cost"]["amount_minor"]) == (200, 1890)
    again = client.post(f"/shipments/{order_id}/carrier", json={"carrier": "FedEx"}, headers=ops)
    assert detail(again) == (409, "carrier", "S1")


def test_S3_ops_list_late_parcels(s, client) -> None:
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    s.advance(timedelta(hours=73))
    s.fire_silence_alarm(order_id, 0)
    late = client.get("/admin/late-parcels", headers=token(s, "ops", "ops-1"))
    assert [(x["order_id"], x["status"]) for x in late.json()] == [(order_id, "dispatched")]
    assert client.get("/admin/late-parcels", headers=token(s, "auditor", "aud-1")).status_code == 403


def test_S1_the_tariff_table_names_its_version_and_who_serves_where(s, client) -> None:
    table = client.get("/tariffs/current", headers=token(s, "customer", "cust-1")).json()
    assert (table["version"], table["currency"]) == ("2026-01", "USD")
    coverage = {c["carrier"]: c for c in table["carriers"]}
    assert ("IS" in coverage["DHL"]["countries"], "IS" in coverage["FedEx"]["countries"]) == (True, False)
    assert (coverage["DHL"]["max_weight_grams"], coverage["FedEx"]["max_weight_grams"]) == (30000, 25000)
