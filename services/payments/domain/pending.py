"""Refunds through the provider as debts (P6): a refund owed is recorded first (RefundRequested) and
then asked of the provider until it succeeds, each attempt with the refund's own idempotency key (so
the provider never refunds twice), the next one after a growing pause (a failed attempt is recorded
with its reason). Ops see the refunds that are still owed; nobody has to push one. The events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate

from services.payments.domain.state import PaymentState
from services.payments.domain.values import RequestedRefund

FIRST_RETRY = timedelta(seconds=5)
LONGEST_PAUSE = timedelta(hours=1)


def retry_delay(attempts: int, first: timedelta = FIRST_RETRY, longest: timedelta = LONGEST_PAUSE) -> timedelta:
    """The pause before the next attempt after `attempts` failed ones: doubling from `first`, at most `longest`."""
    if attempts < 1:
        return timedelta(0)
    return min(first * 2 ** min(attempts - 1, 30), longest)


def pending_on(requested: Iterable[RequestedRefund], capture_ref: str | None) -> int:
    """What is owed back and not yet refunded of one capture (of all captures when `capture_ref` is None)."""
    return sum(r.amount_minor for r in requested if capture_ref is None or r.capture_ref == capture_ref)


class RefundRequested(Aggregate.Event):
    """A refund through the provider is owed (P6): `key` is its idempotency key at the provider."""

    key: str
    amount_minor: int
    reason: str
    capture_ref: str
    at: datetime
    request_ref: str | None = None

    def apply(self, payment: PaymentState) -> None:
        payment.requested[self.key] = RequestedRefund(
            self.key, self.amount_minor, self.reason, self.capture_ref, self.at, self.request_ref
        )


class RefundAttemptFailed(Aggregate.Event):
    """The provider did not make an owed refund (unreachable, timed out, refused); tried again at `retry_at`."""

    key: str
    reason: str
    retry_at: datetime
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        owed = payment.requested[self.key]
        payment.requested[self.key] = replace(owed, attempts=owed.attempts + 1, last_error=self.reason)
