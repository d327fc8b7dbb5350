"""Issue 12, item 6: a refund is a debt (P6). Owed while the gateway is down, it is recorded
(RefundRequested), nothing goes to the dead letters, and a durable timer asks the gateway again after a
growing pause (X1), with the refund's own idempotency key, until it is made and published as
RefundIssued. Ops see the refunds owed for longer than a threshold; nobody has to push one."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from services.payments.adapters.providers import ProviderUnavailable, RefundResult
from services.payments.api import create_app
from shared.runtime.timers import Timer
from tests.unit.payments.fakes import MemoryGateway
from tests.unit.payments.scenario import VISA, PaymentsScenario


class FlakyGateway(MemoryGateway):
    """The in-memory gateway, whose refunds fail while `down` (every attempt is counted, by key)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.asked: list[str] = []

    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        self.asked.append(idempotency_key)
        if self.down:
            raise ProviderUnavailable("the gateway could not be reached for /v1/refunds: connection refused")
        return super().refund(provider_ref, amount_minor, idempotency_key)


def fire_due(s: PaymentsScenario) -> int:
    """Fire every timer due by now, as the worker's timer loop does."""
    assert s.app.timers is not None
    fired = 0
    for timer in pending_timers(s):
        if timer.due_at <= s.clock.now():
            fired += s.app.timers.fire(timer.id)
    return fired


def pending_timers(s: PaymentsScenario) -> list[Timer]:
    found = s.app.recorder.select_notifications(start=1, limit=10_000, topics=["shared.runtime.timers:Timer.Scheduled"])
    timers: list[Timer] = [s.app.repository.get(uuid.UUID(str(n.originator_id))) for n in found]
    return [t for t in timers if t.fired_at is None and not t.cancelled]


def test_P6_a_refund_owed_while_the_gateway_is_down_is_retried_with_backoff_until_it_is_issued() -> None:
    gateway = FlakyGateway()
    s = PaymentsScenario(gateway=gateway)
    order_id = s.placed(10080)
    s.app.capture(order_id, "goods", "card", VISA, "key-owed-00001")
    gateway.down = True
    result = s.cancelled(order_id, fee=1512, refund=8568)
    assert (result.applied, result.dead) == (1, [])  # applied: no dead letter, nothing for ops to retry
    payment = s.app.payment(order_id, "goods")
    assert (payment.refunded_minor, payment.pending_refund_minor, payment.refundable_minor) == (0, 8568, 1512)
    assert [t for t, _ in s.published()] == ["PaymentCaptured"]  # no RefundIssued yet
    [owed] = payment.requested.values()
    assert (owed.attempts, owed.last_error) == (
        1,
        "the gateway could not be reached for /v1/refunds: connection refused",
    )
    assert [t.due_at - s.clock.now() for t in pending_timers(s)] == [timedelta(seconds=5)]
    # still down: each attempt fails, is recorded, and the next one waits twice as long
    for pause in (timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)):
        s.advance(pause - timedelta(milliseconds=1))
        assert fire_due(s) == 0
        s.advance(timedelta(milliseconds=1))
        assert fire_due(s) == 1
    assert s.app.payment(order_id, "goods").requested[owed.key].attempts == 4
    assert [t.due_at - s.clock.now() for t in pending_timers(s)] == [timedelta(seconds=40)]
    # back up: the next attempt makes it, once, with the same idempotency key as every attempt before
    gateway.down = False
    s.advance(timedelta(seconds=40))
    assert fire_due(s) == 1
    assert fire_due(s) == 0 and pending_timers(s) == []
    assert set(gateway.asked) == {owed.key} and len(gateway.asked) == 5 and len(gateway.refunds) == 1
    payment = s.app.payment(order_id, "goods")
    assert (payment.refunded_minor, payment.pending_refund_minor, payment.requested) == (8568, 0, {})
    refunds = [p for t, p in s.published() if t == "RefundIssued"]
    assert [(r["amount"]["amount_minor"], r["method"], r["purpose"]) for r in refunds] == [(8568, "card", "goods")]


def test_P6_ops_see_the_refunds_owed_for_longer_than_the_threshold() -> None:
    gateway = FlakyGateway()
    s = PaymentsScenario(gateway=gateway)
    with TestClient(create_app(s.runtime)) as client:
        ops = s.token("ops", "ops-1")
        order_id = s.placed(5400)
        s.app.capture(order_id, "goods", "card", VISA, "key-owed-00002")
        gateway.down = True
        s.cancelled(order_id, fee=0, refund=5400)
        assert client.get("/admin/refunds/owed", headers=ops).json() == []  # owed for less than an hour
        assert [r["order_id"] for r in client.get("/admin/refunds/owed?older_than_minutes=0", headers=ops).json()] == [
            order_id
        ]
        s.advance(timedelta(hours=1))
        fire_due(s)
        [owed] = client.get("/admin/refunds/owed", headers=ops).json()
        assert (owed["order_id"], owed["amount"], owed["method"], owed["attempts"]) == (
            order_id,
            {"amount_minor": 5400, "currency": "USD"},
            "card",
            2,
        )
        assert owed["last_error"].startswith("the gateway could not be reached")
        assert (
            client.get("/admin/refunds/owed", headers=s.token("account_manager", "am-1", ("cust-1",))).status_code
            == 403
        )
        assert client.get(f"/payments/{order_id}", headers=ops).json()[0]["refunds_owed"]["amount_minor"] == 5400
        gateway.down = False
        s.advance(timedelta(seconds=10))
        fire_due(s)
        assert client.get("/admin/refunds/owed?older_than_minutes=0", headers=ops).json() == []


def test_P6_P4_a_duplicate_capture_refunded_while_the_gateway_is_down_is_owed_then_made() -> None:
    from services.payments.domain import retry_delay

    gateway = FlakyGateway()
    s = PaymentsScenario(gateway=gateway)
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-first-0001")
    payment = s.app.payment(order_id, "goods")
    gateway.down = True
    outcome = payment.capture("key-second-001", "cap_9", 5400, "visa", "1111", s.clock.now())  # a racing tab
    assert outcome.duplicate
    from eventsourcing.application import ProcessingEvent

    from services.payments.application import refunds

    pe: ProcessingEvent[uuid.UUID] = ProcessingEvent()
    refunds.refund_duplicates(s.app, payment, pe)
    pe.collect_events(payment)
    s.app.record(pe)
    assert s.app.payment(order_id, "goods").pending_refund_minor == 5400
    gateway.down = False
    s.advance(retry_delay(1))
    assert fire_due(s) == 1
    assert (s.app.payment(order_id, "goods").refunded_minor, gateway.refunded["duplicate:cap_9"]) == (
        5400,
        ("cap_9", 5400),
    )


def test_P6_the_pause_between_attempts_doubles_up_to_an_hour() -> None:
    from services.payments.domain import retry_delay

    assert [retry_delay(n).total_seconds() for n in (0, 1, 2, 3, 10, 11, 50)] == [0, 5, 10, 20, 2560, 3600, 3600]
