"""What payments tell an order: the money that confirms it (O4) or only adds to what was paid (held for
a fraud check, P5; partly paid, P2; after a cancellation, O5), the fraud check's hold and its end (P5),
money it owes back (I3, P6), refunds made per purpose (P6) and failed attempts (shown, status unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from eventsourcing.domain import Aggregate

from services.orders.domain import status as st
from services.orders.domain.state import OrderState
from services.orders.domain.values import CancellationTerms, PaymentFailure


class Unpaid(Protocol):
    status: str
    currency: str
    placed_at: datetime

    @property
    def paid_net_minor(self) -> int: ...


def rejected_terms(order: Unpaid, reason: str, policy_version: str, at: datetime) -> CancellationTerms:
    """P5, O5: an order rejected on review is cancelled free; what was paid for it goes back in full."""
    hours = round((at - order.placed_at).total_seconds() / 3600, 4)
    refund = max(order.paid_net_minor, 0)
    return CancellationTerms(order.status, True, 0, refund, order.currency, reason, policy_version, at, hours)


class Confirmed(Aggregate.Event):
    """Paid (captured, voucher received or deposit debited): the order keeps this policy version (O5)."""

    method: str
    amount_minor: int
    policy_version: str
    at: datetime
    total_minor: int

    def apply(self, order: OrderState) -> None:
        order.status = st.CONFIRMED
        order.payment_method = self.method
        order.paid_minor += self.amount_minor
        order.policy_version = order.policy_version or self.policy_version  # confirmed again after a raise (O7)
        order.confirmed_at = order.confirmed_at or self.at


class PaymentReceived(Aggregate.Event):
    """Money for the goods arrived without confirming the order: held for review (P5), not covering the
    total yet (P2, O7), or after the order was cancelled (O5, payments gives it back)."""

    method: str
    amount_minor: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.paid_minor += self.amount_minor
        order.payment_method = order.payment_method or self.method


class HeldForReview(Aggregate.Event):
    """P5: the order was drawn for a fraud check; it is not confirmed before ops approve."""

    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.HELD_FOR_REVIEW


class ReviewCleared(Aggregate.Event):
    """P5: ops approved the order; it waits for (or is confirmed by) its payment again."""

    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.PENDING_PAYMENT


class OverpaymentRecorded(Aggregate.Event):
    """More was paid than the (reduced) total: the excess is owed back."""

    paid_minor: int
    total_minor: int
    refund_minor: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.refund_due_minor += self.refund_minor


class RefundRecorded(Aggregate.Event):
    """Money went back (P6): of the shipping payment, or of the goods (or sample fee; None in earlier events)."""

    amount_minor: int
    reason: str
    at: datetime
    purpose: str | None = None

    def apply(self, order: OrderState) -> None:
        if self.purpose == "shipping" and order.shipping is not None:
            order.shipping = replace(order.shipping, refunded_minor=order.shipping.refunded_minor + self.amount_minor)
        else:
            order.refunded_minor += self.amount_minor


class PaymentFailureRecorded(Aggregate.Event):
    purpose: str
    reason: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.payment_failures.append(PaymentFailure(self.purpose, self.reason, self.at))
