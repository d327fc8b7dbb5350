"""Telling orders that a payment confirms it (O4, P2, P5): once, by capture or by voucher, and for
the goods or a sample fee only once the fraud check cleared the order (shipping is never held)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from services.payments.domain.state import PaymentState


def may_release(purpose: str, released_at: datetime | None, confirms_order: bool, cleared: bool) -> bool:
    """True if the payment's confirmation is to be announced now."""
    if released_at is not None or not confirms_order:
        return False
    return cleared or purpose == "shipping"


class ConfirmationReleased(Aggregate.Event):
    """The payment confirms the order, `by` a capture or a voucher (published to orders)."""

    amount_minor: int
    by: str
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.released_at = self.at
