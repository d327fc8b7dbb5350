"""Refunds to the original payment method (P6): what was given back of which capture, how a refund
is split over a payment's captures (less what is already owed back of each, `pending`), duplicates
still to give back (P4), and refunds owed on a bank transfer that has not arrived yet (P2); and a
changed amount asked: lower before any money came in (I3), or what an account manager's change of
the order adds or takes away (O7). The events these record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from eventsourcing.domain import Aggregate

from services.payments.domain.captures import find_capture
from services.payments.domain.errors import InvalidPayment, PaymentConflict, RefundExceedsCaptured
from services.payments.domain.money import check_amount, format_money
from services.payments.domain.state import PaymentState
from services.payments.domain.values import (
    CaptureOutcome,
    DeferredRefund,
    DueRefund,
    Refund,
    RequestedRefund,
    check_text,
)


def transfer_refund_ref(key: str) -> str:
    """The reference of a refund sent by bank transfer for the request `key` (unique per request)."""
    return f"transfer:{key}"


def left_on(capture: CaptureOutcome, refunds: Iterable[Refund], requested: Iterable[RequestedRefund] = ()) -> int:
    """What is left to refund of one capture: less what was refunded and what is owed back of it already."""
    ref = capture.provider_ref
    given = sum(r.amount_minor for r in refunds if r.capture_ref == ref)
    return capture.amount_minor - given - sum(r.amount_minor for r in requested if r.capture_ref == ref)


def split_over(
    captures: Sequence[CaptureOutcome],
    refunds: Sequence[Refund],
    amount_minor: int,
    requested: Sequence[RequestedRefund] = (),
) -> list[tuple[str, int]]:
    """How a refund of `amount_minor` goes back through the provider: (capture's provider_ref, part),
    oldest capture first, never more of a capture than is left on it."""
    plan, left = [], amount_minor
    for capture in captures:
        if left <= 0:
            break
        part = min(left, left_on(capture, refunds, requested))
        if part > 0:
            plan.append((capture.provider_ref or "", part))
            left -= part
    return plan


def duplicates_left(
    captures: Sequence[CaptureOutcome], refunds: Sequence[Refund], requested: Sequence[RequestedRefund] = ()
) -> list[tuple[str, int]]:
    """(provider_ref, amount_minor) of each duplicate capture not yet refunded (nor owed back) in full (P4)."""
    pending = [(c.provider_ref or "", left_on(c, refunds, requested)) for c in captures if c.duplicate]
    return [(ref, amount) for ref, amount in pending if amount > 0]


def check_within(amount_minor: int, limit: int, *, paid_minor: int, refunded_minor: int, currency: str) -> None:
    """Raise RefundExceedsCaptured if a refund of `amount_minor` is more than the `limit` left (P6)."""
    if amount_minor > limit:
        raise RefundExceedsCaptured(
            f"a refund of {format_money(amount_minor, currency)} exceeds what is left to refund: "
            f"{format_money(limit, currency)} (paid {format_money(paid_minor, currency)}, "
            f"refunded {format_money(refunded_minor, currency)})",
            field="amount",
            rule="P6",
        )


def check_refund(
    amount_minor: int,
    capture_ref: str | None,
    captures: Sequence[CaptureOutcome],
    refunds: Sequence[Refund],
    paid_minor: int,
    currency: str,
    requested: Sequence[RequestedRefund] = (),
) -> None:
    """Raise unless refunding `amount_minor` (of the capture `capture_ref`, if named) keeps the refunds,
    with those owed back (`requested`, without this one), within what was paid, and within that capture (P6)."""
    check_amount(amount_minor, rule="P6")
    refunded = sum(r.amount_minor for r in refunds)
    limit = paid_minor - refunded - sum(r.amount_minor for r in requested)
    if capture_ref is not None:
        limit = min(limit, left_on(find_capture(captures, capture_ref), refunds, requested))
    check_within(amount_minor, limit, paid_minor=paid_minor, refunded_minor=refunded, currency=currency)


def check_amendable(amount_minor: int, reason: str, *, money_in: bool) -> None:
    """Raise unless a reduced order may be asked for `amount_minor` instead (I3): only before any money
    came in (a capture, a voucher); after, the excess is refunded (P6). 0: nothing could be reserved."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise InvalidPayment(f"amount must be 0 or more minor units, got {amount_minor!r}", field="amount", rule="I3")
    check_text(reason, field="reason", rule="I3")
    if money_in:
        raise PaymentConflict(
            "money has already come in for this payment: the excess is refunded, not re-asked",
            field="amount",
            rule="P6",
        )


def changed_amount(amount_minor: int, previous_total: int, new_total: int, refund_minor: int, money_in: bool) -> int:
    """What a payment asks after an account manager's change of its order (O7): the new total when no
    money came in yet; else its amount moved by the change, less what the change does not refund (a
    decrease refunded in full leaves it, an increase adds to it; `amount - charged` is still to pay)."""
    if not money_in:
        return new_total
    return max(0, amount_minor + new_total - previous_total + refund_minor)


def check_deferral(
    amount_minor: int,
    reason: str,
    deferred: Iterable[DeferredRefund],
    unsettled_transfer: bool,
    total_minor: int,
    currency: str,
) -> None:
    """Raise unless a refund of `amount_minor` may wait for an unsettled bank transfer (P2, P6)."""
    check_amount(amount_minor, rule="P6")
    check_text(reason, field="reason", rule="P6")
    if not unsettled_transfer:
        raise PaymentConflict("only an unsettled bank transfer defers a refund", field="method", rule="P6")
    check_deferrable(amount_minor, deferred, total_minor, currency)


def check_deferrable(amount_minor: int, deferred: Iterable[DeferredRefund], total_minor: int, currency: str) -> None:
    """Raise RefundExceedsCaptured if deferring `amount_minor` would owe back more than the transfer (P6)."""
    owed = sum(d.amount_minor for d in deferred)
    if amount_minor > total_minor - owed:
        raise RefundExceedsCaptured(
            f"a refund of {format_money(amount_minor, currency)} exceeds the "
            f"{format_money(total_minor - owed, currency)} of this transfer not yet owed back",
            field="amount",
            rule="P6",
        )


def deferred_due(
    deferred: Iterable[DeferredRefund], refunds: Iterable[Refund], refundable_minor: int
) -> list[DueRefund]:
    """Each deferred refund not yet paid, capped by what is refundable now (the money that arrived)."""
    due, left = [], refundable_minor
    paid = {r.provider_ref for r in refunds}
    for owed in deferred:
        reference = transfer_refund_ref(owed.key)
        amount = min(owed.amount_minor, left)
        if reference not in paid and amount > 0:
            due.append(DueRefund(amount, owed.reason, reference, owed.request_ref))
            left -= amount
    return due


class RefundRecorded(Aggregate.Event):
    """Money went back to the original method: through the provider (of one capture) or by transfer (P6).
    `request_ref` is the reference its requester gave it (a ticket's refund id; None in earlier events);
    `request_key` the owed refund (RefundRequested) it pays, if it was owed first (None in earlier events)."""

    amount_minor: int
    reason: str
    provider_ref: str
    capture_ref: str | None
    at: datetime
    request_ref: str | None = None
    request_key: str | None = None

    def apply(self, payment: PaymentState) -> None:
        payment.refunds.append(Refund(self.amount_minor, self.reason, self.provider_ref, self.capture_ref))
        if self.request_key is not None:
            payment.requested.pop(self.request_key, None)


class RefundDeferred(Aggregate.Event):
    """A refund owed on a transfer that has not arrived: paid when it settles (P2, P6)."""

    amount_minor: int
    reason: str
    key: str
    at: datetime
    request_ref: str | None = None

    def apply(self, payment: PaymentState) -> None:
        payment.deferred.append(DeferredRefund(self.amount_minor, self.reason, self.key, self.at, self.request_ref))


class AmountAmended(Aggregate.Event):
    """The order was reduced before anything was paid (I3), or changed by its account manager (O7): the
    new amount is asked instead."""

    amount_minor: int
    previous_minor: int
    reason: str
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.amount_minor = self.amount_minor
