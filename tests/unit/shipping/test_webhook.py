"""S3: the carriers' webhook over HTTP. Only calls signed with the carrier's secret over the
timestamp and the raw body, within the replay window, are read; anything else changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.shipping.adapters.signatures import sign
from services.shipping.api import create_app
from services.shipping.settings import DEV_WEBHOOK_SECRETS
from tests.unit.shipping.scenario import ShippingScenario

DHL = DEV_WEBHOOK_SECRETS["DHL"]


@pytest.fixture
def s() -> ShippingScenario:
    return ShippingScenario()


@pytest.fixture
def client(s: ShippingScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


@pytest.fixture
def order_id(s: ShippingScenario) -> str:
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    s.advance(timedelta(hours=6))
    return order_id


def number(s: ShippingScenario, order_id: str) -> str:
    return s.shipment(order_id).tracking_number or ""


def body(tracking: str, status: str = "in_transit", update_id: str = "dhl-1", **extra: Any) -> bytes:
    fields = {"update_id": update_id, "tracking_number": tracking, "status": status, "at": "2026-03-02T15:00:00Z"}
    return json.dumps({**fields, **extra}).encode()


def signed(s: ShippingScenario, raw: bytes, secret: str = DHL, age_seconds: int = 0) -> dict[str, str]:
    timestamp = str(int(s.clock.now().timestamp()) - age_seconds)
    return {"X-Carrier-Timestamp": timestamp, "X-Carrier-Signature": sign(secret, timestamp, raw)}


def post(client: TestClient, raw: bytes, headers: dict[str, str], carrier: str = "DHL") -> Any:
    headers = {**headers, "content-type": "application/json"}
    return client.post(f"/carriers/{carrier}/webhook", content=raw, headers=headers)


def refused(answer: Any) -> tuple[int, str, str]:
    problem = answer.json()["errors"][0]
    return answer.status_code, problem["field"], problem["rule"]


def test_S3_a_signed_update_moves_the_parcel_and_a_replay_of_it_changes_nothing(s, client, order_id) -> None:
    raw = body(number(s, order_id), location="Leipzig hub")
    headers = signed(s, raw)
    answer = post(client, raw, headers)
    assert (answer.status_code, answer.json()) == (
        200,
        {"applied": True, "tracking_number": number(s, order_id), "state": "in_transit"},
    )
    assert s.shipment(order_id).updates[0]["location"] == "Leipzig hub"
    stored = s.app.max_notification_id()
    s.advance(timedelta(minutes=2))
    again = post(client, raw, headers)  # the same call again, inside the window: acknowledged, ignored
    assert (again.status_code, again.json()["applied"]) == (200, False)
    assert s.app.max_notification_id() == stored


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("unsigned", "X-Carrier-Signature"),
        ("no timestamp", "X-Carrier-Timestamp"),
        ("tampered body", "X-Carrier-Signature"),
        ("other carrier's secret", "X-Carrier-Signature"),
        ("stale: replayed after the window", "X-Carrier-Timestamp"),
    ],
)
def test_S3_unsigned_badly_signed_or_stale_calls_are_refused_401_and_store_nothing(
    s, client, order_id, case: str, field: str
) -> None:
    raw = body(number(s, order_id))
    headers = signed(s, raw)
    if case == "unsigned":
        headers.pop("X-Carrier-Signature")
    elif case == "no timestamp":
        headers.pop("X-Carrier-Timestamp")
    elif case == "tampered body":
        raw = body(number(s, order_id), status="delivered", signed_by="Mallory")
    elif case == "other carrier's secret":
        headers = signed(s, raw, secret=DEV_WEBHOOK_SECRETS["FedEx"])
    else:
        headers = signed(s, raw, age_seconds=301)  # the window is 300 s
    stored = s.app.max_notification_id()
    assert refused(post(client, raw, headers)) == (401, field, "S3")
    assert s.app.max_notification_id() == stored
    assert s.shipment(order_id).updates == []


def test_S3_out_of_order_updates_are_refused_409(s, client, order_id) -> None:
    first = body(number(s, order_id), update_id="dhl-2", at="2026-03-02T15:00:00Z")
    assert post(client, first, signed(s, first)).status_code == 200
    older = body(number(s, order_id), update_id="dhl-3", status="out_for_delivery", at="2026-03-02T14:00:00Z")
    stored = s.app.max_notification_id()
    assert refused(post(client, older, signed(s, older))) == (409, "at", "S3")
    assert s.app.max_notification_id() == stored


def test_S3_malformed_unknown_or_misaddressed_updates_are_refused(s, client, order_id) -> None:
    bad_status = body(number(s, order_id), status="lost_in_space")
    assert refused(post(client, bad_status, signed(s, bad_status))) == (422, "status", "X3")
    naive = body(number(s, order_id), at="2026-03-02T15:00:00")
    assert refused(post(client, naive, signed(s, naive))) == (422, "at", "X3")
    future = body(number(s, order_id), at="2026-03-03T15:00:00Z")
    assert refused(post(client, future, signed(s, future))) == (422, "at", "S3")
    check = number(s, order_id)[:-1] + str((int(number(s, order_id)[-1]) + 1) % 10)
    wrong_digit = body(check)
    assert refused(post(client, wrong_digit, signed(s, wrong_digit))) == (422, "tracking_number", "S3")
    unknown = body("JD00000000000")
    assert refused(post(client, unknown, signed(s, unknown))) == (404, "tracking_number", "S3")
    not_json = b"{not json"
    assert refused(post(client, not_json, signed(s, not_json)))[0] == 422
    raw = body(number(s, order_id))
    assert refused(post(client, raw, signed(s, raw), carrier="UPS")) == (404, "carrier", "S3")
    assert s.shipment(order_id).updates == []


def test_S4_a_delivery_without_a_signature_of_receipt_is_refused_422(s, client, order_id) -> None:
    raw = body(number(s, order_id), status="delivered")
    assert refused(post(client, raw, signed(s, raw))) == (422, "signed_by", "S4")
    raw = body(number(s, order_id), status="delivered", update_id="dhl-9", signed_by="A. Ruiz")
    assert post(client, raw, signed(s, raw)).json()["state"] == "delivered"
    assert s.types()[-1] == "ParcelDelivered"
