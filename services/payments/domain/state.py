"""What a payment's events may change: the state they apply to (the Payment aggregate is one)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.payments.domain.values import CaptureOutcome, Closure, DeferredRefund, Refund, RequestedRefund, Voucher


class PaymentState(Protocol):
    amount_minor: int
    attempts: dict[str, CaptureOutcome]
    refunds: list[Refund]
    vouchers: list[Voucher]
    deferred: list[DeferredRefund]
    settled_minor: int
    settled_at: datetime | None
    overdue_flagged_at: datetime | None
    released_at: datetime | None
    released_minor: int
    vouchered_minor: int
    settlements: dict[str, int]
    requested: dict[str, RequestedRefund]
    closed: Closure | None
