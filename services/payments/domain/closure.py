"""A payment whose order was cancelled or expired (O5): the payment is closed, once, keeping the
cancellation fee (0 when cancelling was free); nothing more is charged, and money that still arrives
(a capture racing the cancellation, a voucher, a transfer) goes back (P6). The event it records."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.state import PaymentState
from services.payments.domain.values import Closure, check_text


def check_closure(reason: str, fee_minor: int) -> None:
    """Raise InvalidPayment unless a closure names why and keeps a fee of 0 or more minor units (O5)."""
    check_text(reason, field="reason", rule="O5")
    if isinstance(fee_minor, bool) or not isinstance(fee_minor, int) or fee_minor < 0:
        raise InvalidPayment(f"a cancellation fee is 0 or more minor units, got {fee_minor!r}", field="fee", rule="O5")


def to_give_back(left_to_refund: int, closed: Closure | None) -> int:
    """What of the money a closed payment holds goes back: all of it but the fee it keeps (0 if open)."""
    return max(0, left_to_refund - closed.fee_minor) if closed is not None else 0


class OrderClosed(Aggregate.Event):
    """The order was cancelled or expired: the payment keeps `fee_minor` and gives back the rest (O5, P6)."""

    reason: str
    fee_minor: int
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.closed = Closure(self.reason, self.fee_minor, self.at)
