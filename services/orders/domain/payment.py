"""What payments tell an order: the payment that confirms it (O4), money it owes back (I3, P6),
refunds made (P6) and failed attempts (shown, status unchanged)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from services.orders.domain import status as st
from services.orders.domain.state import OrderState
from services.orders.domain.values import PaymentFailure


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
        order.policy_version = self.policy_version
        order.confirmed_at = self.at


class OverpaymentRecorded(Aggregate.Event):
    """More was paid than the (reduced) total: the excess is owed back."""

    paid_minor: int
    total_minor: int
    refund_minor: int
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.refund_due_minor += self.refund_minor


class RefundRecorded(Aggregate.Event):
    amount_minor: int
    reason: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.refunded_minor += self.amount_minor


class PaymentFailureRecorded(Aggregate.Event):
    purpose: str
    reason: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.payment_failures.append(PaymentFailure(self.purpose, self.reason, self.at))
