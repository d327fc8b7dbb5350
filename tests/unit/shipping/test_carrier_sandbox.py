"""The sandbox carrier signs on its own (it imports nothing of shipping) and shipping accepts its
updates: a parcel is moved through customs to delivery from the outside; its refusals are real."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from services.shipping.api import create_app as shipping_app
from services.shipping.settings import DEV_WEBHOOK_SECRETS
from tests.unit.shipping.scenario import ShippingScenario
from tools.carrier_sandbox.__main__ import parse_secrets
from tools.carrier_sandbox.app import create_app as sandbox_app


@pytest.fixture
def s() -> ShippingScenario:
    return ShippingScenario()


@pytest.fixture
def carrier(s: ShippingScenario) -> Iterator[TestClient]:
    transport = httpx.ASGITransport(app=shipping_app(s.runtime))  # shipping over HTTP, in process
    app = sandbox_app("http://shipping", dict(DEV_WEBHOOK_SECRETS), s.clock, transport=transport)
    with TestClient(app) as client:
        yield client


def test_S3_S4_the_sandbox_carrier_moves_a_parcel_through_customs_to_a_signed_delivery(s, carrier) -> None:
    order_id = s.ready_to_dispatch(carrier="FedEx")
    tracking = s.app.dispatch(order_id, "ops-1").tracking_number
    for status in ("in_transit", "held_at_customs", "cleared", "out_for_delivery"):
        s.advance(timedelta(hours=10))
        answer = carrier.post(f"/v1/parcels/{tracking}/events", json={"status": status, "location": "MEM"}).json()
        assert (answer["carrier"], answer["shipping_status"], answer["shipping_response"]["state"]) == (
            "FedEx",
            200,
            status,
        )
    s.advance(timedelta(hours=2))
    delivered = carrier.post(f"/v1/parcels/{tracking}/events", json={"status": "delivered", "signed_by": "J. Doe"})
    assert delivered.json()["shipping_response"]["state"] == "delivered"
    replayed = carrier.post(f"/v1/parcels/{tracking}/replay").json()
    assert (replayed["shipping_status"], replayed["shipping_response"]["applied"]) == (200, False)
    assert s.shipment(order_id).delivered == {"signed_by": "J. Doe", "signed_at": s.clock.now()}


def test_S3_updates_the_sandbox_sends_unsigned_or_wrongly_signed_are_refused(s, carrier) -> None:
    order_id = s.ready_to_dispatch()
    tracking = s.app.dispatch(order_id, "ops-1").tracking_number
    for signing in ("none", "wrong_secret"):
        answer = carrier.post(f"/v1/parcels/{tracking}/events", json={"status": "in_transit", "signing": signing})
        assert answer.json()["shipping_status"] == 401
    assert s.shipment(order_id).updates == []
    assert carrier.post("/v1/parcels/XX00000000000/events", json={"status": "in_transit"}).status_code == 422


def test_the_sandbox_takes_one_secret_for_all_or_one_per_carrier() -> None:
    assert parse_secrets(["s3cret"]) == {"DHL": "s3cret", "FedEx": "s3cret"}
    assert parse_secrets(["DHL=a", "FedEx=b"]) == {"DHL": "a", "FedEx": "b"}
    with pytest.raises(SystemExit, match="no secret for FedEx"):
        parse_secrets(["DHL=a"])
