"""S1 at checkout: the customer chooses the carrier (DHL or FedEx), which must serve the shipping
country as shipping's newest tariff says; OrderPlaced names the carrier and the contact e-mail."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from services.orders.adapters.outbound import translate
from services.orders.api import create_app
from services.orders.domain.errors import CarrierRefused, CoverageUnknown
from services.orders.domain.order import Order
from tests.unit.orders.scenario import ADDRESS, T0, Scenario

ICELAND = replace(ADDRESS, city="Reykjavik", postal_code="101", country="IS")
RINGS = [("RING-STEEL-PEARL", 12)]


def body(**change: Any) -> dict[str, Any]:
    """A valid POST /orders body with `change` applied (a None value removes the field)."""
    address = asdict(ADDRESS)
    base = {
        "lines": [{"sku": "RING-STEEL-PEARL", "quantity": 12}],
        "shipping_address": address,
        "billing_address": address,
        "payment_method": "card",
        "contact_email": "ana@example.com",
        "carrier": "DHL",
    }
    return {k: v for k, v in {**base, **change}.items() if v is not None}


def placed_payload(s: Scenario, order_id: Any) -> dict[str, Any]:
    [placed] = [out for e in s.app.domain_events(order_id) if (out := translate(e)) and out[0] == "OrderPlaced"]
    return placed[1].model_dump(mode="json")


def test_S1_a_carrier_that_serves_the_country_is_accepted_and_published_with_the_contact_email() -> None:
    s = Scenario()
    dhl = s.place(RINGS)
    fedex = s.place(RINGS, carrier="FedEx")
    assert (s.order(dhl).carrier, s.order(fedex).carrier) == ("DHL", "FedEx")
    payload = placed_payload(s, fedex)
    details = s.app.open_details(payload["personal"])  # sealed under the customer's key (X4)
    assert details is not None
    assert (payload["carrier"], details.contact_email) == ("FedEx", "ana@example.com")
    assert (payload["shipping_country"], payload["contact_email"], payload["shipping_address"]) == ("ES", None, None)
    with TestClient(create_app(s.runtime)) as client:
        shown = client.get(f"/orders/{fedex}", headers=s.headers()).json()
        accepted = client.post("/orders", json=body(carrier="FedEx"), headers=s.headers())
    assert shown["carrier"] == "FedEx"
    assert (accepted.status_code, accepted.json()["carrier"]) == (201, "FedEx")


def test_S1_a_carrier_that_does_not_serve_the_country_is_refused_and_nothing_is_stored() -> None:
    s = Scenario()
    before = s.app.max_notification_id()
    with pytest.raises(CarrierRefused) as info:
        s.place(RINGS, carrier="FedEx", shipping_address=ICELAND)
    assert str(info.value) == "FedEx does not deliver to IS (tariff 2026-01); choose DHL"
    assert (info.value.field, info.value.rule) == ("carrier", "S1")
    assert s.app.max_notification_id() == before

    # Over HTTP, by POST /orders and by cart checkout: 422 naming the field, the rule, country and carrier.
    s.app.add_to_cart("cust-1", "RING-STEEL-PEARL", 12)
    before = s.app.max_notification_id()
    iceland = asdict(ICELAND)
    with TestClient(create_app(s.runtime)) as client:
        direct = client.post("/orders", json=body(carrier="FedEx", shipping_address=iceland), headers=s.headers())
        checkout_body = {k: v for k, v in body(carrier="FedEx", shipping_address=iceland).items() if k != "lines"}
        checkout = client.post("/carts/mine/checkout", json=checkout_body, headers=s.headers())
    for response in (direct, checkout):
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "carrier", "rule": "S1", "message": "FedEx does not deliver to IS (tariff 2026-01); choose DHL"}
        ]
    assert s.app.max_notification_id() == before
    assert s.app.cart("cust-1").items == {"RING-STEEL-PEARL": 12}  # the cart stays as it was
    assert s.order(s.place(RINGS, shipping_address=ICELAND)).carrier == "DHL"


def test_S1_a_missing_or_unknown_carrier_is_refused_naming_the_field() -> None:
    s = Scenario()
    before = s.app.max_notification_id()
    with pytest.raises(CarrierRefused) as missing:
        s.place(RINGS, carrier=None)
    assert (str(missing.value), missing.value.field, missing.value.rule) == (
        "choose the carrier: DHL or FedEx",
        "carrier",
        "S1",
    )
    with pytest.raises(CarrierRefused) as unknown:
        s.place(RINGS, carrier="UPS")
    assert str(unknown.value) == "'UPS' is not a carrier we ship with (DHL or FedEx)"
    assert s.app.max_notification_id() == before

    with TestClient(create_app(s.runtime)) as client:
        no_carrier = client.post("/orders", json=body(carrier=None), headers=s.headers())
        ups = client.post("/orders", json=body(carrier="UPS"), headers=s.headers())
    assert [(p["field"], p["rule"]) for p in no_carrier.json()["errors"]] == [("carrier", "missing")]
    assert [(p["field"], p["rule"]) for p in ups.json()["errors"]] == [("carrier", "literal_error")]
    assert (no_carrier.status_code, ups.status_code) == (422, 422)
    assert s.app.max_notification_id() == before


def test_S1_O3_a_sample_order_needs_a_carrier_that_serves_the_country_too() -> None:
    s = Scenario()
    with pytest.raises(CarrierRefused) as missing:
        s.place([("RING-STEEL-PEARL", 2)], sample=True, carrier=None)
    assert (missing.value.field, missing.value.rule) == ("carrier", "S1")
    with pytest.raises(CarrierRefused) as unserved:
        s.place([("RING-STEEL-PEARL", 2)], sample=True, carrier="FedEx", shipping_address=ICELAND)
    assert str(unserved.value) == "FedEx does not deliver to IS (tariff 2026-01); choose DHL"
    sample = s.order(s.place([("RING-STEEL-PEARL", 2)], sample=True, shipping_address=ICELAND))
    assert (sample.sample, sample.carrier, sample.total_minor) == (True, "DHL", 2 * 300)
    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/orders", json=body(sample=True, carrier=None), headers=s.headers())
    assert [(p["field"], p["rule"]) for p in refused.json()["errors"]] == [("carrier", "missing")]


def test_S1_before_shipping_published_its_tariff_checkout_is_refused_with_503_to_retry() -> None:
    s = Scenario(tariff=False)
    with pytest.raises(CoverageUnknown) as info:
        s.place(RINGS)
    assert (info.value.field, info.value.rule) == ("carrier", "S1")
    # The lines are checked first: a wrong line is refused for itself whatever the coverage.
    with TestClient(create_app(s.runtime)) as client:
        unknown = client.post("/orders", json=body(), headers=s.headers())
        carriers_unknown = client.get("/carriers")
        bad_line = client.post("/orders", json=body(lines=[{"sku": "NOPE", "quantity": 1}]), headers=s.headers())
        s.tariff("2026-01", {"DHL": ["ES"], "FedEx": ["ES"]}, T0)
        placed = client.post("/orders", json=body(), headers=s.headers())
        carriers = client.get("/carriers")
    assert unknown.status_code == carriers_unknown.status_code == 503
    assert unknown.json()["errors"] == [
        {
            "field": "carrier",
            "rule": "S1",
            "message": "carrier coverage not known yet (shipping's tariff has not reached orders): retry shortly",
        }
    ]
    assert [(p["field"], p["rule"]) for p in bad_line.json()["errors"]] == [("lines.0.sku", "O1")]
    assert placed.status_code == 201
    assert carriers.json() == {
        "tariff_version": "2026-01",
        "published_at": T0.isoformat().replace("+00:00", "Z"),
        "countries": {"DHL": ["ES"], "FedEx": ["ES"]},
    }


def test_S1_the_newest_tariff_decides_and_an_older_one_arriving_late_changes_nothing() -> None:
    s = Scenario()
    s.tariff("2026-02", {"DHL": ["ES", "IS"], "FedEx": ["ES", "IS"]}, T0)
    fedex_to_iceland = s.place(RINGS, carrier="FedEx", shipping_address=ICELAND)
    assert s.order(fedex_to_iceland).carrier == "FedEx"

    version = s.app.carrier_coverage().version  # type: ignore[union-attr]
    s.tariff("2026-01", {"DHL": ["ES"], "FedEx": ["ES"]}, T0 - timedelta(days=1))  # redelivered, older
    s.tariff("2026-02", {"DHL": ["ES", "IS"], "FedEx": ["ES", "IS"]}, T0)  # the same table again
    coverage = s.app.carrier_coverage()
    assert coverage is not None
    assert (coverage.tariff_version, coverage.version) == ("2026-02", version)
    assert coverage.countries == {"DHL": ["ES", "IS"], "FedEx": ["ES", "IS"]}


def test_S1_an_order_placed_before_carriers_were_offered_loads_and_publishes_no_carrier() -> None:
    s = Scenario()
    placed = s.app.domain_events(s.place(RINGS))[0]
    old_id = uuid.UUID("00000000-0000-4000-8000-000000000001")
    drop = ("originator_id", "originator_version", "carrier", "_meta")
    state = {k: v for k, v in vars(placed).items() if k not in drop} | {"order_id": str(old_id)}
    encoded = s.app.mapper.transcoder.encode(state)  # as Order.Placed was stored before it had a carrier
    s.app.recorder.insert_events([StoredEvent(old_id, 1, get_topic(Order.Placed), encoded)])

    old = s.order(old_id)
    assert (old.carrier, old.shipping_problem, old.total_minor) == (None, None, 5400)
    assert placed_payload(s, old_id)["carrier"] is None
