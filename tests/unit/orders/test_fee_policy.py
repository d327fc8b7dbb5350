"""O5's fee policy as versioned data (issue 12 item 14): one table of every version ever in force,
checked at start, the current version named once; an unknown ORDERS_CANCELLATION_POLICY refuses to
start; an order keeps the version stamped on it at confirmation; fees round half up, pinned where
half-even and ceiling would differ."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from services.orders.bootstrap import bootstrap
from services.orders.domain import cancellation
from services.orders.domain.cancellation import TABLE, CancellationPolicy, checked
from services.orders.domain.errors import UnknownPolicy
from services.orders.settings import OrdersSettings
from tests.unit.orders.scenario import T0, Scenario

H = timedelta(hours=1)


def test_O5_the_table_holds_every_version_and_the_current_one_is_its_newest_row() -> None:
    assert [(p.version, p.in_force_from, p.free_for, p.refused_after, p.fee_percent, p.rounding) for p in TABLE] == [
        ("2026-01", date(2026, 1, 1), 6 * H, 72 * H, "15", "half-up")
    ]
    assert TABLE[-1].version == cancellation.CURRENT_POLICY
    assert OrdersSettings().cancellation_policy == cancellation.CURRENT_POLICY  # named in one place: the table
    assert Scenario().app.policy_version == cancellation.CURRENT_POLICY


@pytest.mark.parametrize(
    ("total", "fee"),
    [
        (2030, 305),  # 304.5: half up 305 (half-even would say 304)
        (2010, 302),  # 301.5: half up 302
        (2001, 300),  # 300.15: 300 (ceiling would say 301)
        (2003, 300),  # 300.45: 300
        (2004, 301),  # 300.6: 301 (floor would say 300)
        (10, 2),  # 1.5: 2 (half-even would say 2 too; half-down 1)
        (30, 5),  # 4.5: 5 (half-even 4)
        (1, 0),  # 0.15: 0
        (0, 0),
    ],
)
def test_O5_the_fee_is_15_percent_rounded_half_up(total: int, fee: int) -> None:
    assert cancellation.POLICIES["2026-01"].fee(total) == fee


def test_O5_a_fee_of_x_5_minor_units_rounds_up_on_a_real_order() -> None:
    s = Scenario()
    s.catalogue("HALF-UP", 1015, moq=1)
    order_id = s.place([("HALF-UP", 2)])  # 2030: 15 % is 304.5
    s.pay(order_id, 2030)
    terms = s.app.cancellation_terms(order_id, T0 + 7 * H)
    assert (terms.fee_minor, terms.refund_minor) == (305, 1725)


def test_O5_an_unknown_policy_version_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_CANCELLATION_POLICY", "2099-01")
    with pytest.raises(ValidationError) as info:
        OrdersSettings()
    [error] = info.value.errors()
    assert error["loc"] == ("cancellation_policy",)
    assert "no cancellation policy '2099-01'; the versions are 2026-01" in error["msg"]
    # settings built without validation cannot start the application either
    with pytest.raises(UnknownPolicy) as refused:
        bootstrap(OrdersSettings.model_construct(cancellation_policy="2099-01"), persistence="memory")
    assert (refused.value.field, refused.value.rule) == ("cancellation_policy", "O5")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((), "O5: the cancellation policy table is empty"),
        (
            (
                CancellationPolicy("a", 6 * H, 72 * H, "15", date(2026, 1, 1)),
                CancellationPolicy("b", 6 * H, 72 * H, "15", date(2026, 1, 1)),
            ),
            "O5: b must come into force after a",
        ),
        (
            (CancellationPolicy("a", 72 * H, 6 * H, "15"),),
            "O5: a: the free window must end before cancelling is refused",
        ),
        ((CancellationPolicy("a", 6 * H, 72 * H, "115"),), "O5: a: a fee of 0-100 % with a rounding of ['half-up']"),
        ((CancellationPolicy("a", 6 * H, 72 * H, "15", rounding="half-even"),), "O5: a: a fee of 0-100 %"),
    ],
)
def test_O5_a_table_that_does_not_hold_stops_the_service(rows, message) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        checked(rows)


def test_O5_an_order_keeps_the_version_it_was_confirmed_under(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version comes into force (a new row, named by the setting): orders confirmed before keep
    theirs; those confirmed after take the new one."""
    newer = CancellationPolicy("2026-07", 2 * H, 48 * H, "20", date(2026, 7, 1))
    monkeypatch.setattr(cancellation, "POLICIES", checked((*TABLE, newer)))
    s = Scenario()
    old = s.place([("ODD-PRICE", 6)])
    s.pay(old, 2010)
    s.app.policy_version = OrdersSettings(cancellation_policy="2026-07").cancellation_policy  # a restart
    new = s.place([("ODD-PRICE", 6)])
    s.pay(new, 2010)
    old_terms, new_terms = (s.app.cancellation_terms(o, T0 + 10 * H) for o in (old, new))
    assert (old_terms.policy_version, old_terms.fee_minor) == ("2026-01", 302)
    assert (new_terms.policy_version, new_terms.fee_minor) == ("2026-07", 402)
    assert (s.order(old).policy_version, s.order(new).policy_version) == ("2026-01", "2026-07")
    assert s.app.cancellation_terms(old, T0 + 50 * H).cancellable is True
    assert s.app.cancellation_terms(new, T0 + 50 * H).cancellable is False


def test_O5_an_order_stamped_with_a_version_the_table_lacks_is_read_under_the_one_in_force() -> None:
    """Before unknown versions refused to start, one could be stamped on confirmations; every quote and
    cancel of such an order then failed (500), even after the setting was restored."""
    s = Scenario()
    order_id = s.place([("ODD-PRICE", 6)])
    s.app.policy_version = "2099-01"  # what the old code let a bad setting do
    s.pay(order_id, 2010)
    s.app.policy_version = cancellation.CURRENT_POLICY  # the setting restored
    assert s.order(order_id).policy_version == "2099-01"
    terms = s.app.cancellation_terms(order_id, T0 + 7 * H)
    assert (terms.policy_version, terms.fee_minor, terms.refund_minor) == ("2026-01", 302, 1708)
    s.at(7 * H)
    assert s.app.cancel(order_id).fee_minor == 302
    assert s.order(order_id).status == "Cancelled"
