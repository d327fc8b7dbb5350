"""X3 (issue 12 item 15): a unit price enters the system at inventory, and only above 0 and below the
configured ceiling, when a SKU is catalogued and when it is relisted; 422 naming the field and the
rule, nothing stored. (Ops once set -100,000: the order totalled -100,000 and payments dead-lettered it.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.inventory.api import create_app
from services.inventory.domain.errors import InvalidPrice
from tests.unit.inventory.scenario import RING, Scenario
from tests.unit.inventory.test_api import problem, token


@pytest.fixture
def s() -> Scenario:
    return Scenario(ring=20)


@pytest.fixture
def client(s: Scenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def listing(amount_minor: int) -> dict[str, object]:
    return {
        "name": "Ring",
        "unit_price": {"amount_minor": amount_minor, "currency": "USD"},
        "moq": 1,
        "weight_grams": 6,
    }


@pytest.mark.parametrize(
    ("amount_minor", "accepted"),
    [(-100_000, False), (0, False), (1, True), (99_999_999, True), (100_000_000, False), (10**30, False)],
)
def test_X3_a_price_is_above_0_and_below_the_ceiling_when_catalogued_and_relisted(
    s, client, amount_minor, accepted
) -> None:
    ops = token(s, "ops", "ops-1")
    before = s.app.max_notification_id()
    created = client.post("/skus", json={**listing(amount_minor), "sku": "EAR-NEW", "on_hand": 5}, headers=ops)
    relisted = client.put(f"/skus/{RING}", json=listing(amount_minor), headers=ops)
    if accepted:
        assert (created.status_code, relisted.status_code) == (201, 200)
        assert s.app.get_sku(RING).unit_price_minor == amount_minor
        return
    for refused in (created, relisted):
        assert problem(refused) == (422, "unit_price.amount_minor", "X3")
    assert refused.json()["errors"][0]["message"] == (
        f"{RING}: a unit price is above 0 and below 100,000,000 minor units, not {amount_minor:,}"
    )
    assert s.app.max_notification_id() == before
    assert s.app.get_sku(RING).unit_price_minor == 450


def test_X3_the_price_ceiling_is_a_setting() -> None:
    s = Scenario(max_unit_price_minor=1_000)
    with pytest.raises(InvalidPrice):
        s.app.relist(RING, "Ring", 1_000, "USD", 1, 6)
    assert s.app.relist(RING, "Ring", 999, "USD", 1, 6).unit_price_minor == 999
