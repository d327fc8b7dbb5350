"""P4/P7: the gateway remembers idempotency keys across all payments and refuses a key used again for a
different request. Payments scopes the client's key by the payment it is for (order and purpose), so a
client that reuses its goods key for the shipping capture is charged for both, while a retry of one
capture sends the same key again and is charged once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.payments.adapters.providers import MAX_KEY_LENGTH, ProviderRejected, provider_key
from services.payments.api import create_app
from tests.unit.payments.fakes import MemoryGateway
from tests.unit.payments.scenario import VISA, PaymentsScenario


@pytest.fixture
def s() -> PaymentsScenario:
    return PaymentsScenario()


@pytest.fixture
def client(s: PaymentsScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def test_P4_the_gateway_refuses_a_key_used_again_for_another_payment() -> None:
    gateway = MemoryGateway()
    gateway.capture("key-0001", 5400, "USD", "card", VISA)
    with pytest.raises(ProviderRejected):
        gateway.capture("key-0001", 2350, "USD", "card", VISA)  # what an unscoped key did for the shipping


def test_P4_P7_one_client_key_for_the_goods_and_the_shipping_charges_each_once(
    s: PaymentsScenario, client: TestClient
) -> None:
    cust = {**s.token("customer", "cust-1"), "idempotency-key": "key-client-0001"}
    card = {"method": "card", "source": VISA}
    order_id = s.placed(5400)
    goods = client.post(f"/payments/{order_id}/goods/capture", json=card, headers=cust)
    s.quoted(order_id, 2350)
    shipping = client.post(f"/payments/{order_id}/shipping/capture", json=card, headers=cust)
    retry = client.post(f"/payments/{order_id}/shipping/capture", json=card, headers=cust)
    assert (goods.status_code, shipping.status_code, retry.status_code) == (200, 200, 200)
    assert shipping.json() == retry.json() and shipping.json()["status"] == "captured"
    assert s.gateway.charged == {
        f"{order_id}:goods:key-client-0001": 5400,
        f"{order_id}:shipping:key-client-0001": 2350,
    }
    assert (s.app.payment(order_id, "goods").paid_minor, s.app.payment(order_id, "shipping").paid_minor) == (
        5400,
        2350,
    )


def test_P4_the_same_client_key_on_two_orders_charges_each_order() -> None:
    s = PaymentsScenario()
    first, second = s.placed(5400), s.placed(1200)
    outcomes = [s.app.capture(order_id, "goods", "card", VISA, "key-reused-0001") for order_id in (first, second)]
    assert [(o.status, o.amount_minor) for o in outcomes] == [("captured", 5400), ("captured", 1200)]
    assert sorted(s.gateway.charged.values()) == [1200, 5400]


def test_P4_a_scoped_key_too_long_for_the_gateway_is_sent_as_its_digest() -> None:
    order_id = "3f0c8a52-7d1e-4b8e-9a43-2c5d7e9f1a01"
    assert provider_key(order_id, "shipping", "key-ship-0001") == f"{order_id}:shipping:key-ship-0001"
    long_key = "k" * 128
    scoped = provider_key("order-" + "x" * 80, "shipping", long_key)
    assert scoped.startswith("sha256:") and len(scoped) <= MAX_KEY_LENGTH
    assert scoped == provider_key("order-" + "x" * 80, "shipping", long_key)  # a retry sends the same key
    assert scoped != provider_key("order-" + "x" * 80, "goods", long_key)
