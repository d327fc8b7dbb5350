"""T3 (staff reply within 48 working hours, in the shop's calendar) and T4 (closing itself 7 days
after a staff reply the customer left), as durable timers fired at exact instants (X1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.tickets.domain.errors import TransitionRefused
from services.tickets.domain.ticket import Ticket
from tests.unit.tickets.scenario import FRIDAY_AFTERNOON, MONDAY, SECOND, Scenario, days

TUESDAY_AFTERNOON = datetime(2026, 3, 17, 15, 0, 0, tzinfo=UTC)


def opened(s: Scenario, at: datetime) -> Ticket:
    order_id = s.received()
    s.at(at)
    return s.open(order_id, "shortage")


def test_T3_a_message_on_a_friday_afternoon_is_due_on_the_tuesday_afternoon() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, FRIDAY_AFTERNOON)
    assert ticket.reply_due_at == TUESDAY_AFTERNOON
    # one second before the deadline nothing is due; at the deadline the breach is recorded
    s.at(TUESDAY_AFTERNOON - SECOND)
    assert s.fire_due() == 0
    s.at(TUESDAY_AFTERNOON)
    assert s.fire_due() == 1
    assert s.ticket(ticket.id).breaches == [
        {"message": 1, "message_at": FRIDAY_AFTERNOON, "due_at": TUESDAY_AFTERNOON, "at": TUESDAY_AFTERNOON}
    ]
    assert s.published(ticket.id)[-1] == (
        "TicketSlaBreached",
        {
            "ticket_id": str(ticket.id),
            "order_id": ticket.order_id,
            "customer_id": "cust-1",
            "message_number": 1,
            "message_at": "2026-03-13T15:00:00Z",
            "due_at": "2026-03-17T15:00:00Z",
            "breached_at": "2026-03-17T15:00:00Z",
        },
    )
    breaches = s.app.sla_breaches()
    assert [(b["ticket"].id, b["due_at"]) for b in breaches] == [(ticket.id, TUESDAY_AFTERNOON)]
    assert s.fire_due() == 0  # fired once


def test_T3_across_a_configured_holiday_the_deadline_moves_by_a_working_day() -> None:
    s = Scenario(start=MONDAY, holidays="2026-03-16")  # the Monday after
    ticket = opened(s, FRIDAY_AFTERNOON)
    assert ticket.reply_due_at == datetime(2026, 3, 18, 15, 0, 0, tzinfo=UTC)


def test_T3_working_hours_are_counted_in_the_shops_time_zone() -> None:
    # 23:30 UTC on Friday is already Saturday in Madrid: the 48 hours start on Monday, Madrid time
    s = Scenario(start=MONDAY, timezone="Europe/Madrid")
    ticket = opened(s, datetime(2026, 3, 13, 23, 30, 0, tzinfo=UTC))
    assert ticket.reply_due_at == datetime(2026, 3, 17, 23, 0, 0, tzinfo=UTC)  # Wednesday 00:00 in Madrid


def test_T3_the_reply_sla_is_a_setting() -> None:
    s = Scenario(start=MONDAY, reply_sla_working_hours=24)
    ticket = opened(s, FRIDAY_AFTERNOON)
    assert ticket.reply_due_at == datetime(2026, 3, 16, 15, 0, 0, tzinfo=UTC)


def test_T3_a_staff_reply_stops_the_deadline() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, FRIDAY_AFTERNOON)
    s.at(TUESDAY_AFTERNOON - SECOND)
    replied = s.app.reply(ticket.id, "am-1", "we are looking into it")
    assert replied.reply_due is None
    s.at(TUESDAY_AFTERNOON)
    assert s.fire_due() == 1  # the timer fires, finds its period over, and records nothing
    assert s.ticket(ticket.id).breaches == []
    assert "TicketSlaBreached" not in [e for e, _ in s.published()]


def test_T3_each_customer_message_restarts_the_deadline() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, FRIDAY_AFTERNOON)
    # a second message on Monday morning: staff now owe a reply by Wednesday morning
    monday_morning = datetime(2026, 3, 16, 10, 0, 0, tzinfo=UTC)
    s.at(monday_morning)
    s.app.write(ticket.id, "cust-1", "any news?")
    assert s.ticket(ticket.id).reply_due == {
        "message": 2,
        "message_at": monday_morning,
        "due_at": datetime(2026, 3, 18, 10, 0, 0, tzinfo=UTC),
    }
    s.at(TUESDAY_AFTERNOON)
    assert s.fire_due() == 1  # the first message's timer is stale
    assert s.ticket(ticket.id).breaches == []
    s.at(datetime(2026, 3, 18, 10, 0, 0, tzinfo=UTC))
    assert s.fire_due() == 1
    assert [b["message"] for b in s.ticket(ticket.id).breaches] == [2]


def test_T3_after_a_staff_reply_a_customer_message_starts_a_new_deadline() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, MONDAY)
    s.at(MONDAY + days(1))
    s.app.reply(ticket.id, "am-1", "could you send a photo?")
    s.at(MONDAY + days(2))
    answered = s.app.write(ticket.id, "cust-1", "here it is")
    assert (answered.status, answered.reply_due) == (
        "awaiting_staff",
        {"message": 3, "message_at": MONDAY + days(2), "due_at": MONDAY + days(4)},
    )


def test_T4_a_ticket_closes_itself_exactly_seven_days_after_a_staff_reply() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, MONDAY)
    replied_at = s.at(MONDAY + days(1))
    assert s.app.reply(ticket.id, "am-1", "refund on its way?").auto_close_at == replied_at + days(7)
    s.at(replied_at + days(7) - SECOND)
    s.fire_due()
    assert s.ticket(ticket.id).status == "awaiting_customer"
    s.at(replied_at + days(7))
    assert s.fire_due() == 1
    closed = s.ticket(ticket.id)
    assert (closed.status, closed.closed_at) == ("auto_closed", replied_at + days(7))
    assert s.published(ticket.id)[-1] == (
        "TicketAutoClosed",
        {"ticket_id": str(ticket.id), "order_id": ticket.order_id, "closed_at": "2026-03-17T09:00:00Z"},
    )
    # a closed ticket takes no more messages
    with pytest.raises(TransitionRefused) as refused:
        s.app.write(ticket.id, "cust-1", "wait")
    assert (refused.value.field, refused.value.rule) == ("status", "T4")


def test_T4_no_closing_when_the_customer_answered_in_time() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, MONDAY)
    replied_at = s.at(MONDAY + days(1))
    s.app.reply(ticket.id, "am-1", "is everything else fine?")
    s.at(replied_at + days(7) - SECOND)
    s.app.write(ticket.id, "cust-1", "no, the clasp is loose as well")
    s.at(replied_at + days(7))
    s.fire_due()
    assert s.ticket(ticket.id).status == "awaiting_staff"
    assert "TicketAutoClosed" not in [e for e, _ in s.published()]


def test_T4_another_staff_reply_starts_a_new_seven_days() -> None:
    s = Scenario(start=MONDAY, auto_close_days=7)
    ticket = opened(s, MONDAY)
    first = s.at(MONDAY + days(1))
    s.app.reply(ticket.id, "am-1", "we will check")
    second = s.at(MONDAY + days(3))
    s.app.reply(ticket.id, "am-1", "checked: a refund, if you agree")
    s.at(first + days(7))
    s.fire_due()
    assert s.ticket(ticket.id).status == "awaiting_customer"
    s.at(second + days(7))
    s.fire_due()
    assert (s.ticket(ticket.id).status, s.ticket(ticket.id).closed_at) == ("auto_closed", second + days(7))


def test_X1_deadlines_are_recorded_in_the_events_so_a_replay_gives_the_same_ones() -> None:
    s = Scenario(start=MONDAY)
    ticket = opened(s, FRIDAY_AFTERNOON)
    s.at(TUESDAY_AFTERNOON)
    s.fire_due()
    replayed = s.app.replay_as_of(ticket.id, None)
    assert isinstance(replayed, Ticket)
    assert (replayed.reply_due, replayed.breaches) == (s.ticket(ticket.id).reply_due, s.ticket(ticket.id).breaches)
    assert s.types(ticket.id) == ["Opened", "SlaBreached"]
    as_of_friday = s.app.ticket_as_of(ticket.id, FRIDAY_AFTERNOON)
    assert as_of_friday.breaches == []
