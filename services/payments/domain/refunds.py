"""Refunds to the original payment method (P6): what was given back of which capture, how a refund
is split over a payment's captures, duplicates still to give back (P4), and refunds owed on a bank
transfer that has not arrived yet (P2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from services.payments.domain.captures import CaptureOutcome
from services.payments.domain.errors import RefundExceedsCaptured
from services.payments.domain.money import format_money


@dataclass(frozen=True)
class Refund:
    """Money given back: how much, why, the provider's (or the transfer's) reference, of which capture."""

    amount_minor: int
    reason: str
    provider_ref: str
    capture_ref: str | None = None


@dataclass(frozen=True)
class DeferredRefund:
    """A refund owed on a bank transfer whose money has not arrived: paid when it settles (P2, P6)."""

    amount_minor: int
    reason: str
    key: str
    at: datetime


class DueRefund(NamedTuple):
    """A deferred refund that can be paid now: the amount, the reason, the transfer's reference."""

    amount_minor: int
    reason: str
    reference: str


def transfer_refund_ref(key: str) -> str:
    """The reference of a refund sent by bank transfer for the request `key` (unique per request)."""
    return f"transfer:{key}"


def left_on(capture: CaptureOutcome, refunds: Iterable[Refund]) -> int:
    """What is left to refund of one capture."""
    return capture.amount_minor - sum(r.amount_minor for r in refunds if r.capture_ref == capture.provider_ref)


def split_over(
    captures: Sequence[CaptureOutcome], refunds: Sequence[Refund], amount_minor: int
) -> list[tuple[str, int]]:
    """How a refund of `amount_minor` goes back through the provider: (capture's provider_ref, part),
    oldest capture first, never more of a capture than is left on it."""
    plan, left = [], amount_minor
    for capture in captures:
        if left <= 0:
            break
        part = min(left, left_on(capture, refunds))
        if part > 0:
            plan.append((capture.provider_ref or "", part))
            left -= part
    return plan


def duplicates_left(captures: Sequence[CaptureOutcome], refunds: Sequence[Refund]) -> list[tuple[str, int]]:
    """(provider_ref, amount_minor) of each duplicate capture not yet refunded in full (P4)."""
    pending = [(c.provider_ref or "", left_on(c, refunds)) for c in captures if c.duplicate]
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
            due.append(DueRefund(amount, owed.reason, reference))
            left -= amount
    return due
