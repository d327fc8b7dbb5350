"""I4 picking: after confirmation, within a 2-day SLA (inventory owns it and publishes a breach for
orders, O6), finished with the parcel weight; cancelled orders put their stock back;
account-manager changes (O7) move the reservation with the order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from services.inventory.application import SlaBreach
from services.inventory.application.policies import PICKING_SLA
from services.inventory.domain.errors import InvalidParcelWeight, PickingRefused
from services.inventory.domain.reservation import Reservation
from tests.unit.inventory.scenario import PENDANT, RING, T0, Scenario


def test_I4_picking_starts_only_after_confirmation_and_finishes_with_the_parcel_weight() -> None:
    s = Scenario(ring=20, pendant=50)
    order = s.place((RING, 10), (PENDANT, 5))
    with pytest.raises(PickingRefused) as info:
        s.app.start_picking(order, "ops-1")
    assert str(info.value) == "cannot start picking: the order is reserved here (needs confirmed)"
    assert (info.value.field, info.value.rule) == ("order_id", "I4")

    s.confirm(order)
    s.at(timedelta(hours=5))
    s.app.start_picking(order, "ops-1")
    with pytest.raises(PickingRefused):
        s.app.start_picking(order, "ops-1")
    s.at(timedelta(hours=9))
    prepared = s.app.finish_picking(order, "ops-1")

    # Default weight: unit weights x quantities = 10 x 6 g + 5 x 12 g.
    assert (prepared.status, prepared.weight_grams, prepared.picked) == ("prepared", 120, {RING: 10, PENDANT: 5})
    assert s.published(order)[1:] == [
        ("PickingStarted", {"started_at": "2026-03-02T14:00:00Z", "due_at": "2026-03-04T09:00:00Z"}),
        ("GoodsPrepared", {"weight_grams": 120, "prepared_at": "2026-03-02T18:00:00Z"}),
    ]
    # The goods left the shelf: stock on hand and the reservation go down together.
    assert (s.sku(RING).on_hand, s.sku(RING).reserved, s.sku(RING).available) == (10, 0, 10)
    assert (s.sku(PENDANT).on_hand, s.sku(PENDANT).available) == (45, 45)
    with pytest.raises(PickingRefused):
        s.app.finish_picking(order, "ops-1")
    # Finished in time: the SLA timer was cancelled with it.
    assert s.fire(PICKING_SLA, order) is False
    assert s.app.sla_breaches() == []


def test_I4_a_measured_weight_overrides_the_estimate_and_zero_grams_needs_one() -> None:
    s = Scenario(ring=20)
    order = s.place((RING, 4))
    s.confirm(order)
    s.app.start_picking(order, "ops-1")
    assert s.app.finish_picking(order, "ops-1", weight_grams=31).weight_grams == 31

    weightless = Scenario(ring=20)
    weightless.app.relist(RING, "Ring", 450, "USD", moq=1, weight_grams=0)
    order = weightless.place((RING, 4))
    weightless.confirm(order)
    weightless.app.start_picking(order, "ops-1")
    with pytest.raises(InvalidParcelWeight) as info:
        weightless.app.finish_picking(order, "ops-1")
    assert (info.value.field, info.value.rule) == ("weight_grams", "I4")
    assert weightless.sku().reserved == 4  # nothing left the shelf


def test_I4_the_picking_sla_timer_records_a_breach_two_days_after_confirmation() -> None:
    s = Scenario(ring=20)
    order = s.place((RING, 4))
    s.confirm(order)
    assert s.app.reservation(order).picking_due_at == s.clock.now() + timedelta(hours=48)
    s.at(timedelta(hours=48))
    assert s.fire(PICKING_SLA, order) is True
    assert s.app.reservation(order).sla_breached_at == s.clock.now()
    assert s.app.sla_breaches() == [SlaBreach(order_id=order, due_at=s.clock.now(), breached_at=s.clock.now())]
    assert s.fire(PICKING_SLA, order) is False


def test_I4_O6_inventory_owns_the_picking_deadline_and_publishes_its_breach_for_orders() -> None:
    s = Scenario(ring=20, picking_sla_hours=24)  # INVENTORY_PICKING_SLA_HOURS: the one setting
    order = s.place((RING, 4))
    s.at(timedelta(hours=1))
    s.confirm(order)
    s.at(timedelta(hours=3))
    s.app.start_picking(order, "ops-1")
    s.at(timedelta(hours=25))
    assert s.fire(PICKING_SLA, order) is True
    assert s.published(order)[-2:] == [
        ("PickingStarted", {"started_at": "2026-03-02T12:00:00Z", "due_at": "2026-03-03T10:00:00Z"}),
        (
            "PickingSlaBreached",
            {
                "confirmed_at": "2026-03-02T10:00:00Z",
                "due_at": "2026-03-03T10:00:00Z",
                "breached_at": "2026-03-03T10:00:00Z",
            },
        ),
    ]
    # Picking that finishes late is still recorded; the breach stays (published once).
    s.app.finish_picking(order, "ops-1")
    assert [t for t, _ in s.published(order)].count("PickingSlaBreached") == 1


def test_I4_a_breach_recorded_before_breaches_were_published_loads_and_stays_inside() -> None:
    s = Scenario(ring=20)
    order = s.place((RING, 4))
    s.confirm(order)
    reservation = s.app.reservation(order)
    topic = get_topic(Reservation.PickingSlaBreached)
    state = {"order_id": order, "due_at": T0 + timedelta(hours=48), "at": T0 + timedelta(hours=48), "timestamp": T0}
    stored = StoredEvent(reservation.id, reservation.version + 1, topic, s.app.mapper.transcoder.encode(state))
    s.app.recorder.insert_events([stored])

    assert s.app.reservation(order).sla_breached_at == T0 + timedelta(hours=48)
    assert [t for t, _ in s.published(order)] == ["StockReserved"]


def test_I4_a_cancelled_order_releases_its_stock_and_goods_already_picked_go_back() -> None:
    s = Scenario(ring=20)
    reserved = s.place((RING, 8))
    s.cancel(reserved)
    assert s.published(reserved)[-1] == (
        "StockReleased",
        {
            "lines": [{"sku": RING, "quantity": 8}],
            "reason": "order cancelled: customer request",
            "released_at": "2026-03-02T09:00:00Z",
        },
    )
    assert (s.sku().reserved, s.sku().available) == (0, 20)
    s.cancel(reserved)  # a second cancellation changes nothing
    assert [t for t, _ in s.published(reserved)] == ["StockReserved", "StockReleased"]

    picked = s.place((RING, 5))
    s.confirm(picked)
    s.app.start_picking(picked, "ops-1")
    s.app.finish_picking(picked, "ops-1")
    assert s.sku().on_hand == 15
    s.cancel(picked)
    assert s.published(picked)[-1][1]["lines"] == [{"sku": RING, "quantity": 5}]
    assert (s.sku().on_hand, s.sku().available) == (20, 20)
    with pytest.raises(PickingRefused):
        s.app.start_picking(picked, "ops-1")


def test_O7_a_changed_order_takes_more_or_gives_back_and_what_is_missing_is_a_shortfall() -> None:
    s = Scenario(ring=20, pendant=50)
    order = s.place((RING, 10), (PENDANT, 5))
    s.place((RING, 6), customer="cust-2")
    s.confirm(order)

    # More rings than there are (4 free), fewer pendants.
    s.change(order, (RING, 16), (PENDANT, 2))
    assert s.app.reservation(order).reserved == {RING: 14, PENDANT: 2}
    assert s.published(order)[-1] == (
        "StockShortfallReduced",
        {
            "lines": [{"sku": RING, "asked": 16, "reserved": 14, "short": 2}],
            "reason": "not enough stock for the change",
            "reduced_at": "2026-03-02T09:00:00Z",
        },
    )
    assert (s.sku(RING).available, s.sku(PENDANT).available) == (0, 48)

    # Dropping a line gives all of it back.
    s.change(order, (RING, 14))
    assert s.app.reservation(order).reserved == {RING: 14}
    assert s.sku(PENDANT).available == 50
