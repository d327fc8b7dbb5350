"""Refunds owed through the provider (card, PayPal) are debts, paid by a durable retry loop (P6): the
refund is recorded (RefundRequested) and asked of the provider at once; if the provider is down, times
out or refuses, the failure is recorded and a durable timer asks again after a growing pause (X1), with
the refund's own idempotency key, until it is made (RefundRecorded, published as RefundIssued). Nothing
goes to the dead letters and ops never push a refund; they see the ones owed for long
(`PaymentsApplication.refunds_owed`)."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from eventsourcing.application import ProcessingEvent

from services.payments.adapters.providers import PaymentProvider, ProviderError
from services.payments.domain import Payment, retry_delay
from shared.runtime.clock import Clock
from shared.runtime.timers import Timer, TimerService

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]
REFUND_RETRY = "refund-retry"


class OwingPort(Protocol):
    """What paying an owed refund needs of the payments application."""

    @property
    def clock(self) -> Clock: ...

    @property
    def provider(self) -> PaymentProvider: ...

    @property
    def timers(self) -> TimerService | None: ...

    def payment_by_id(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Payment | None: ...


def owe(
    app: OwingPort,
    payment: Payment,
    key: str,
    amount_minor: int,
    reason: str,
    capture_ref: str,
    pe: PE,
    request_ref: str | None = None,
) -> None:
    """Record a refund of a capture as owed under the idempotency key `key`, then ask the provider for it."""
    if payment.request_refund(key, amount_minor, reason, capture_ref, app.clock.now(), request_ref):
        attempt(app, payment, key, pe)


def attempt(app: OwingPort, payment: Payment, key: str, pe: PE) -> bool:
    """Ask the provider for the owed refund `key`: record it if made, else record why not and set the
    timer of the next attempt. True if the refund was made."""
    owed = payment.requested.get(key)
    if owed is None:
        return False
    now = app.clock.now()
    try:
        result = app.provider.refund(owed.capture_ref, owed.amount_minor, key)
    except ProviderError as exc:
        failure = str(exc) or type(exc).__name__
    else:
        if result.status == "refunded":
            reference = result.refund_ref or key
            payment.record_refund(
                owed.amount_minor, owed.reason, reference, now, owed.capture_ref, owed.request_ref, request_key=key
            )
            return True
        failure = f"the provider refused the refund: {result.reason}"
    retry_at = now + retry_delay(owed.attempts + 1)
    payment.refund_failed(key, failure, retry_at, now)
    assert app.timers is not None
    app.timers.schedule(pe, REFUND_RETRY, retry_target(payment.id, owed.attempts + 1, key), retry_at)
    log.warning(
        "refund not made; retried later",
        extra={"order_id": payment.order_id, "key": key, "reason": failure, "retry_at": retry_at.isoformat()},
    )
    return False


def on_refund_retry(app: OwingPort, timer: Timer, pe: PE) -> None:
    """The timer of an owed refund's next attempt fired: ask the provider again (if it is still owed)."""
    aggregate_id, key = parse_target(timer.target)
    payment = app.payment_by_id(aggregate_id, pe)
    if payment is not None and key in payment.requested:
        attempt(app, payment, key, pe)
        pe.collect_events(payment)


def retry_target(payment_id: uuid.UUID, attempt_number: int, key: str) -> str:
    """The target of an attempt's timer: one timer per payment, owed refund and attempt (X1)."""
    return f"{payment_id}|{attempt_number}|{key}"


def parse_target(target: str) -> tuple[uuid.UUID, str]:
    payment_id, _, key = target.split("|", 2)
    return uuid.UUID(payment_id), key
