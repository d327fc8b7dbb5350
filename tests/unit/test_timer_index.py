"""The timer index per relay batch: two statements with the effect of one per Timer event, in log order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.runtime.timers import Timer, plan_timer_index, timer_id

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)


def events(*timers: Timer) -> list[Any]:
    return [e for t in timers for e in t.collect_events()]


def numbered(domain_events: list[Any]) -> list[tuple[int, Any]]:
    return list(enumerate(domain_events, start=1))


def test_X1_a_timer_scheduled_and_cancelled_in_one_batch_is_indexed_as_fired() -> None:
    kept = Timer(kind="payment-window", target="o-1", due_at=NOW + timedelta(hours=2))
    gone = Timer(kind="auto-close", target="t-1", due_at=NOW + timedelta(minutes=5))
    gone.cancel()
    plan = plan_timer_index(numbered(events(kept, gone)))
    assert plan.scheduled == [
        (timer_id("payment-window", "o-1"), "payment-window", "o-1", NOW + timedelta(hours=2), False),
        (timer_id("auto-close", "t-1"), "auto-close", "t-1", NOW + timedelta(minutes=5), True),
    ]
    assert plan.fired == [timer_id("auto-close", "t-1")]  # a row indexed by an earlier relay run, too
    assert plan.earliest_pending() == NOW + timedelta(hours=2)  # the cancelled one wakes nobody


def test_X1_a_timer_fired_in_a_later_batch_is_only_marked_fired() -> None:
    timer = Timer(kind="hold-expiry", target="h-1", due_at=NOW)
    first = plan_timer_index(numbered(events(timer)))
    assert first.fired == [] and first.scheduled[0][4] is False and first.earliest_pending() == NOW
    timer.fire(at=NOW)
    second = plan_timer_index([(2, e) for e in timer.collect_events()])
    assert second.fired == [timer_id("hold-expiry", "h-1")]
    assert second.scheduled == [] and second.earliest_pending() is None


def test_X1_a_rescheduled_id_keeps_its_first_deadline_and_a_firing_before_it_leaves_it_pending() -> None:
    early = Timer(kind="k", target="t", due_at=NOW)
    late = Timer(kind="k", target="t", due_at=NOW + timedelta(days=1))  # the same id: a conflict, nothing
    plan = plan_timer_index(numbered(events(early, late)))
    assert plan.scheduled == [(timer_id("k", "t"), "k", "t", NOW, False)]
    fired_first = Timer(kind="k", target="u", due_at=NOW)
    fired_first.fire(at=NOW)
    scheduled, fired = fired_first.collect_events()
    plan = plan_timer_index([(1, fired), (2, scheduled)])  # per event: the update finds no row, the insert adds it
    assert plan.fired == [timer_id("k", "u")] and plan.scheduled[0][4] is False


def test_X1_a_batch_without_timers_plans_no_statement() -> None:
    plan = plan_timer_index([(1, object()), (2, "not a timer")])
    assert plan.fired == [] and plan.scheduled == [] and plan.earliest_pending() is None
