"""I1 holds: they take stock out of availability, expire after the TTL, end with checkout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.inventory.application.policies import HOLD_EXPIRY, hold_target
from services.inventory.domain.errors import HoldNotFound, NotEnoughStock
from services.inventory.domain.sku import Sku, sku_id
from tests.unit.inventory.scenario import RING, T0, Scenario


def test_I1_a_hold_takes_stock_until_its_ttl_passes_then_the_timer_frees_it() -> None:
    s = Scenario(ring=20)
    hold = s.app.place_hold("cust-1", RING, 5)
    assert (hold.quantity, hold.expires_at) == (5, T0 + timedelta(minutes=30))
    assert (s.sku().held, s.sku().available) == (5, 15)

    # The expiry is a durable timer, due at the hold's expiry; firing it frees the stock, once.
    s.at(timedelta(minutes=30))
    assert s.fire(HOLD_EXPIRY, hold_target(RING, hold.hold_id)) is True
    assert (s.sku().held, s.sku().available) == (0, 20)
    assert s.app.holds_of("cust-1") == []
    assert s.fire(HOLD_EXPIRY, hold_target(RING, hold.hold_id)) is False
    assert s.history()[-2:] == ["HoldPlaced", "HoldReleased"]
    assert s.app.domain_events(s.sku().id)[-1].reason == "expired"


def test_I1_the_hold_ttl_is_a_setting() -> None:
    s = Scenario(hold_ttl_seconds=600)
    assert s.app.place_hold("cust-1", RING, 1).expires_at == T0 + timedelta(seconds=600)


def test_I1_checkout_turns_the_customers_holds_into_the_reservation_then_takes_free_stock() -> None:
    s = Scenario(ring=20)
    first = s.app.place_hold("cust-1", RING, 4)
    second = s.app.place_hold("cust-1", RING, 2)
    s.app.place_hold("cust-2", RING, 10)
    assert s.sku().available == 4

    # cust-1 orders 10: their 6 held, then the 4 free; cust-2's hold is untouched.
    order = s.place((RING, 10), customer="cust-1")
    assert s.published(order) == [
        (
            "StockReserved",
            {"lines": [{"sku": RING, "asked": 10, "reserved": 10, "short": 0}], "reserved_at": "2026-03-02T09:00:00Z"},
        )
    ]
    assert (s.sku().held, s.sku().reserved, s.sku().available) == (10, 10, 0)
    assert s.app.holds_of("cust-1") == []
    # The holds' expiry timers end with them.
    for hold in (first, second):
        assert s.fire(HOLD_EXPIRY, hold_target(RING, hold.hold_id)) is False

    # cust-2 orders 12 with 10 held and nothing free: a partial reservation, the shortage stated.
    other = s.place((RING, 12), customer="cust-2")
    assert s.published(other)[0][1]["lines"] == [{"sku": RING, "asked": 12, "reserved": 10, "short": 2}]
    assert (s.sku().held, s.sku().reserved, s.sku().available) == (0, 20, 0)


def test_I1_holds_above_the_ordered_quantity_end_with_the_checkout() -> None:
    s = Scenario(ring=20)
    s.app.place_hold("cust-1", RING, 10)
    s.place((RING, 6), customer="cust-1")
    assert (s.sku().held, s.sku().reserved, s.sku().available) == (0, 6, 14)


def test_I1_customers_list_and_release_only_their_own_holds() -> None:
    s = Scenario(ring=20)
    mine = s.app.place_hold("cust-1", RING, 3)
    theirs = s.app.place_hold("cust-2", RING, 4)
    assert [(h.hold_id, h.quantity) for h in s.app.holds_of("cust-1")] == [(mine.hold_id, 3)]
    with pytest.raises(HoldNotFound) as info:
        s.app.release_hold("cust-1", theirs.hold_id)
    assert (info.value.field, info.value.rule) == ("hold_id", "I1")

    assert s.app.release_hold("cust-1", mine.hold_id).quantity == 3
    assert (s.sku().held, s.sku().available) == (4, 16)
    with pytest.raises(HoldNotFound):
        s.app.release_hold("cust-1", mine.hold_id)
    # Released before it expired: its timer is cancelled, so it never fires.
    assert s.fire(HOLD_EXPIRY, hold_target(RING, mine.hold_id)) is False


def test_I2_a_hold_beyond_availability_is_refused_with_the_reason_and_records_nothing() -> None:
    s = Scenario(ring=20)
    s.app.place_hold("cust-1", RING, 15)
    before = s.app.max_notification_id()
    with pytest.raises(NotEnoughStock) as info:
        s.app.place_hold("cust-2", RING, 6)
    assert str(info.value) == f"{RING}: only 5 available, asked for 6"
    assert (info.value.field, info.value.rule) == ("quantity", "I2")
    assert s.app.max_notification_id() == before
    assert s.app.holds_of("cust-2") == []


def test_I2_a_busy_sku_is_loaded_from_its_snapshot_in_the_same_state_as_its_full_replay() -> None:
    s = Scenario(ring=100)
    for i in range(60):
        s.app.place_hold(f"cust-{i}", RING, 1)
    s.place((RING, 5), customer="cust-7")
    assert s.app.snapshots is not None
    [snapshot] = s.app.snapshots.get(sku_id(RING))
    assert snapshot.originator_version == 50
    loaded, replayed = s.sku(), s.app.replay_as_of(sku_id(RING), None)
    assert isinstance(replayed, Sku)
    assert loaded.version == replayed.version == 62
    assert (loaded.holds, loaded.reservations) == (replayed.holds, replayed.reservations)
    assert (loaded.held, loaded.reserved, loaded.available) == (59, 5, 36)
