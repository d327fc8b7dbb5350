"""What a payment's figures are, from its state (P2, P4, P6, O5): what came in and went out, what a
capture is to charge, what the order was told of, what can still go back. Read-only; the Payment
aggregate (`payment`) is built on it and decides."""

from __future__ import annotations

from datetime import datetime

from services.payments.domain import captures, closure, pending, refunds, transfer
from services.payments.domain.transfer import SETTLEMENT_DAYS
from services.payments.domain.values import (
    CaptureOutcome,
    Closure,
    DeferredRefund,
    DueRefund,
    Refund,
    RequestedRefund,
    Voucher,
)


class PaymentFigures:
    """The figures of a payment, read from the state its events built."""

    order_id: str
    purpose: str
    method: str
    currency: str
    amount_minor: int
    attempts: dict[str, CaptureOutcome]
    refunds: list[Refund]
    vouchers: list[Voucher]
    deferred: list[DeferredRefund]
    settled_minor: int
    settled_at: datetime | None
    overdue_flagged_at: datetime | None
    released_minor: int
    vouchered_minor: int
    requested: dict[str, RequestedRefund]
    closed: Closure | None

    @property
    def captures(self) -> list[CaptureOutcome]:
        return captures.captured(self.attempts)

    @property
    def captured_minor(self) -> int:
        return sum(c.amount_minor for c in self.captures)

    @property
    def paid_minor(self) -> int:
        return self.captured_minor + self.settled_minor

    @property
    def refunded_minor(self) -> int:
        return sum(r.amount_minor for r in self.refunds)

    @property
    def pending_refund_minor(self) -> int:
        """Refunds owed through the provider and not made yet (P6)."""
        return pending.pending_on(self.requested.values(), None)

    @property
    def refundable_minor(self) -> int:
        return self.paid_minor - self.refunded_minor - self.pending_refund_minor

    @property
    def outstanding_minor(self) -> int:
        """What a capture is to charge: what is asked less what the captures took towards it (P4, O7)."""
        return self.amount_minor - captures.charged(self.attempts)

    @property
    def covered_minor(self) -> int:
        """The money the payment has towards what is asked: captured; or arrived or vouched for (P2)."""
        if self.method == "bank_transfer":
            return max(self.vouchered_minor, self.settled_minor)
        return captures.charged(self.attempts)

    @property
    def settled_beyond_minor(self) -> int:
        """What the transfer brought beyond what is asked (P2), to go back (P6)."""
        return max(0, self.settled_minor - self.amount_minor)

    @property
    def confirms_order(self) -> bool:
        """Captured, voucher received or settled: enough to confirm the order (O4, P2), fraud check aside (P5)."""
        return bool(self.captures) or bool(self.vouchers) or self.settled_at is not None

    @property
    def left_to_refund(self) -> int:
        """What can still go back (P6): paid less refunded and owed back; on a transfer confirmed by its
        voucher and not settled, what the voucher confirms less what is already owed back (P2)."""
        unsettled = self.settled_at is None and self.vouchers
        return self.amount_minor - sum(d.amount_minor for d in self.deferred) if unsettled else self.refundable_minor

    @property
    def to_give_back(self) -> int:
        """What a payment whose order was cancelled holds or was promised beyond the fee it keeps (O5, P6);
        0 while open."""
        return closure.to_give_back(self.left_to_refund, self.closed)

    @property
    def arrived_to_give_back(self) -> int:
        """What has arrived of a payment whose order was cancelled beyond the fee it keeps (O5, P6)."""
        return closure.to_give_back(self.refundable_minor, self.closed)

    def check_refund(self, amount_minor: int, capture_ref: str | None = None, request_key: str | None = None) -> None:
        """Raise unless refunding `amount_minor` keeps refunds and refunds owed within what was paid (P6)."""
        owed = [r for k, r in self.requested.items() if k != request_key]
        refunds.check_refund(
            amount_minor, capture_ref, self.captures, self.refunds, self.paid_minor, self.currency, owed
        )

    def outcome_for(self, idempotency_key: str) -> CaptureOutcome | None:
        """The first recorded outcome for this idempotency key, if any (P4: a retry reuses it)."""
        return self.attempts.get(idempotency_key)

    def duplicates_to_refund(self) -> list[tuple[str, int]]:
        """(provider_ref, amount_minor) of each duplicate capture not yet refunded nor owed back in full (P4)."""
        return refunds.duplicates_left(self.captures, self.refunds, list(self.requested.values()))

    def refund_plan(self, amount_minor: int) -> list[tuple[str, int]]:
        """How up to `amount_minor` goes back through the provider: (capture's provider_ref, part) (P6)."""
        owed = list(self.requested.values())
        return refunds.split_over(self.captures, self.refunds, min(amount_minor, self.refundable_minor), owed)

    def deferred_refunds_due(self) -> list[DueRefund]:
        """(amount, reason, refund reference) of each deferred refund not yet paid, capped by what is refundable."""
        return refunds.deferred_due(self.deferred, self.refunds, self.refundable_minor)

    def settlement_deadline(self, days: int = SETTLEMENT_DAYS) -> datetime | None:
        """When an unsettled transfer becomes overdue: `days` after the first voucher (P2)."""
        return transfer.settlement_deadline(self.vouchers, days)

    def settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> bool:
        """True if the transfer is unsettled past its deadline, not yet flagged, and its order not cancelled (P2)."""
        deadline = self.settlement_deadline(days)
        return self.closed is None and transfer.overdue(deadline, self.settled_at, self.overdue_flagged_at, now)
