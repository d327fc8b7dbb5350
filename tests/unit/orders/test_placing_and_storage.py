"""One currency per order (O1), over the API too; and an order's value objects stored in events and
snapshots come back as they were (O4: the state is its events)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.domain.errors import MixedCurrencies
from shared.events import Money
from shared.events import inventory as inv
from shared.events import payments as pay
from shared.runtime.identity import mint
from tests.unit.orders.scenario import ADDRESS, BILLING, Scenario


def euro_hoops(s: Scenario) -> str:
    hoops = inv.SkuCatalogued(
        sku="HOOP-EUR", name="Hoops", unit_price=Money(amount_minor=500, currency="EUR"), moq=2, weight_grams=4
    )
    s.feed(hoops)
    return hoops.sku


def test_O1_an_order_mixing_currencies_is_refused() -> None:
    s = Scenario()
    hoops = euro_hoops(s)
    before = s.app.max_notification_id()
    with pytest.raises(MixedCurrencies) as info:
        s.place([("ODD-PRICE", 6), (hoops, 2)])
    assert str(info.value) == "HOOP-EUR is priced in EUR, the order in USD: one order takes one currency"
    assert (info.value.field, info.value.rule) == ("lines.1.sku", "O1")
    assert s.app.max_notification_id() == before  # nothing stored

    # An order in euros alone is priced in euros; an account manager cannot add a dollar product to it (O7).
    order_id = s.place([(hoops, 2)])
    assert (s.order(order_id).currency, s.order(order_id).total_minor) == ("EUR", 1000)
    with pytest.raises(MixedCurrencies) as info:
        s.app.change_order(order_id, "am-1", "add rings", [(hoops, 2), ("RING-STEEL-PEARL", 12)])
    assert (info.value.field, info.value.rule) == ("lines.1.sku", "O1")

    # Over HTTP: 422 naming the line and the rule.
    platform = s.runtime.settings.platform
    headers = {"authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, 'customer', 'cust-1')}"}
    address = asdict(ADDRESS)
    body = {
        "lines": [{"sku": "ODD-PRICE", "quantity": 6}, {"sku": hoops, "quantity": 2}],
        "shipping_address": address,
        "billing_address": address,
        "payment_method": "card",
        "contact_email": "ana@example.com",
        "carrier": "DHL",
    }
    with TestClient(create_app(s.runtime)) as client:
        refused = client.post("/orders", json=body, headers=headers)
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert (problem["field"], problem["rule"]) == ("lines.1.sku", "O1")


def test_O4_a_snapshot_holds_the_orders_value_objects_as_its_events_do() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20), ("NECK-ZIRC-PEND", 6)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 20, 14), ("NECK-ZIRC-PEND", 6, 6))
    s.feed(pay.PaymentFailed(order_id=str(order_id), purpose="goods", reason="declined", failed_at=s.clock.now()))
    s.pay(order_id, 11_000)
    s.at(timedelta(hours=1))
    s.app.change_order(order_id, "am-1", "two more pendants", [("RING-STEEL-PEARL", 14), ("NECK-ZIRC-PEND", 8)])
    s.picking(order_id, weight=90)
    s.quote_shipping(order_id, 2350)
    s.pay(order_id, 2350, purpose="shipping")

    assert s.app.snapshots is not None
    s.app.take_snapshot(order_id)
    from_snapshot = s.order(order_id)  # the snapshot alone: nothing happened after it
    from_events = s.app.replay_as_of(order_id, None)  # every event from the first
    assert [snap.originator_version for snap in s.app.snapshots.get(order_id)] == [from_snapshot.version]

    def state(order: object) -> dict[str, object]:
        return {k: v for k, v in vars(order).items() if k != "_pending_events"}

    assert state(from_snapshot) == state(from_events)
    assert (from_snapshot.shipping_address, from_snapshot.billing_address) == (ADDRESS, BILLING)
    assert from_snapshot.shipping is not None and from_snapshot.shipping.paid_minor == 2350
    assert isinstance(from_snapshot.changes[0].lines_before, tuple)
    assert [line.short for line in from_snapshot.reservation] == [6, 0]
