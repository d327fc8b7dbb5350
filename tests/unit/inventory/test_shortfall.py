"""I3 shortfall after confirmation: a count or a damaged batch below what is held and reserved cuts
holds first, then the newest reservations; each order cut gets StockShortfallReduced with asked,
reserved and short, and the orders service reduces the order and owes the refund."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.inventory.application import HoldView, OrderCut
from services.inventory.application.policies import HOLD_EXPIRY, hold_target
from services.inventory.domain.errors import InvalidAdjustment, StockWouldGoNegative
from services.inventory.domain.values import ReservedLine
from tests.unit.inventory.scenario import RING, Scenario


def committed(s: Scenario) -> tuple[str, str, str, HoldView]:
    """Three orders (two confirmed) and a hold: all 20 of the ring held or reserved."""
    a = s.place((RING, 8), customer="cust-a")
    b = s.place((RING, 6), customer="cust-b")
    s.confirm(a, "cust-a")
    s.confirm(b, "cust-b")
    c = s.place((RING, 4), customer="cust-c")
    hold = s.app.place_hold("cust-h", RING, 2)
    assert (s.sku().held, s.sku().reserved, s.sku().available) == (2, 18, 0)
    return a, b, c, hold


def test_I3_a_damaged_batch_cuts_the_hold_then_the_newest_orders_and_tells_each_one() -> None:
    s = Scenario(ring=20)
    a, b, c, hold = committed(s)
    s.at(timedelta(hours=3))

    adjustment = s.app.adjust_stock(RING, "damaged batch", "ops-1", change=-9)

    # 9 missing: the 2 held go first, then the newest order (4), then 3 of the next newest (6).
    assert adjustment.shortfalls == (
        OrderCut(c, ReservedLine(sku=RING, asked=4, reserved=0, short=4)),
        OrderCut(b, ReservedLine(sku=RING, asked=6, reserved=3, short=3)),
    )
    sku = s.sku()
    assert (sku.on_hand, sku.held, sku.reserved, sku.available) == (11, 0, 11, 0)
    assert sku.reservations == {a: 8, b: 3}
    assert s.published(b)[-1] == (
        "StockShortfallReduced",
        {
            "lines": [{"sku": RING, "asked": 6, "reserved": 3, "short": 3}],
            "reason": "damaged batch",
            "reduced_at": "2026-03-02T12:00:00Z",
        },
    )
    assert [t for t, _ in s.published(a)] == ["StockReserved"]
    # One event says it all, for auditors: before, after, why, who, and who gave way.
    [adjusted] = [e for e in s.app.sku_history(RING) if e["type"] == "Sku.StockAdjusted"]
    assert adjusted["data"] == {
        "on_hand_before": 20,
        "on_hand_after": 11,
        "reason": "damaged batch",
        "by": "ops-1",
        "holds_cut": {hold.hold_id: 2},
        "reservations_cut": {c: 4, b: 3},
    }
    assert s.app.holds_of("cust-h") == []
    assert s.fire(HOLD_EXPIRY, hold_target(RING, hold.hold_id)) is False

    # A second loss asks of the order what it has now (3), not what it first asked (6).
    s.app.adjust_stock(RING, "stock count", "ops-1", counted=9)
    assert s.published(b)[-1][1]["lines"] == [{"sku": RING, "asked": 3, "reserved": 1, "short": 2}]
    assert s.sku().reservations == {a: 8, b: 1}


def test_I3_a_count_that_covers_what_is_committed_cuts_nothing() -> None:
    s = Scenario(ring=20)
    a, b, c, _ = committed(s)
    adjustment = s.app.adjust_stock(RING, "stock count", "ops-1", counted=25)
    assert adjustment.shortfalls == ()
    assert (s.sku().on_hand, s.sku().available) == (25, 5)
    assert all(t == "StockReserved" for order in (a, b, c) for t, _ in s.published(order))


def test_I3_stock_received_raises_stock_on_hand() -> None:
    s = Scenario(ring=20)
    s.app.receive_stock(RING, 30, "delivery note 4711", "ops-1")
    assert (s.sku().on_hand, s.sku().available) == (50, 50)


@pytest.mark.parametrize(
    ("kwargs", "error", "field", "rule"),
    [
        ({"change": -21}, StockWouldGoNegative, "change", "I2"),
        ({"counted": -1}, StockWouldGoNegative, "counted", "I2"),
        ({"change": 0}, InvalidAdjustment, "change", "X3"),
        ({}, InvalidAdjustment, "counted", "X3"),
        ({"counted": 5, "change": -1}, InvalidAdjustment, "counted", "X3"),
    ],
)
def test_X3_an_impossible_adjustment_names_the_field_and_rule_and_records_nothing(kwargs, error, field, rule) -> None:
    s = Scenario(ring=20)
    before = s.app.max_notification_id()
    with pytest.raises(error) as info:
        s.app.adjust_stock(RING, "count", "ops-1", **kwargs)
    assert (info.value.field, info.value.rule) == (field, rule)
    assert s.app.max_notification_id() == before
