"""Telling orders the money a payment received (O4, P2, P5): each capture or voucher announces what
it adds to what the order was told (a settlement announces itself, `Settled.confirms_minor`). The
order decides whether that confirms it: orders holds an order drawn for a fraud check until ops decide."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from services.payments.domain.state import PaymentState


def to_announce(covered_minor: int, released_minor: int) -> int:
    """What is to be announced now: money the payment has (captured, or promised by a voucher) beyond
    what the order was told of."""
    return max(0, covered_minor - released_minor)


class ConfirmationReleased(Aggregate.Event):
    """The payment received `amount_minor`, `by` a capture or a voucher (published to orders)."""

    amount_minor: int
    by: str
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.released_at = payment.released_at or self.at
        payment.released_minor += self.amount_minor
