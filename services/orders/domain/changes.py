"""Changes to what was ordered: the stock reserved for it (I2), lines reduced for a shortfall (I3),
an account manager's change (O7), the cancellation (O5) and the expiry of an unpaid order (O4)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from services.orders.domain import status as st
from services.orders.domain.state import OrderState
from services.orders.domain.values import Cancellation, OrderChange, OrderLine, ReducedLine, ReservedLine


def reservation_state(lines: list[ReservedLine]) -> str:
    """How much of the order inventory reserved (I2): all of it, part of it, or none (I3: nothing to pay)."""
    if all(line.short == 0 for line in lines):
        return "reserved"
    return "none reserved" if all(line.reserved == 0 for line in lines) else "partially reserved"


class StockReservationRecorded(Aggregate.Event):
    lines: list[ReservedLine]
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.reservation = list(self.lines)
        order.stock = reservation_state(self.lines)


class ItemsReduced(Aggregate.Event):
    lines: list[ReducedLine]
    new_lines: list[OrderLine]
    previous_total_minor: int
    new_total_minor: int
    refund_minor: int
    reason: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.lines = list(self.new_lines)
        order.refund_due_minor += self.refund_minor


class Changed(Aggregate.Event):
    """An account manager's change (O7): what it gives back of what was paid is owed back (P6); an
    increase beyond what was paid takes a confirmed order back to PendingPayment until it is paid (a
    change back within what was paid confirms it again). `previous_total_minor` is None in events
    stored before changes said what they meant for the money (they changed no status)."""

    actor: str
    reason: str
    lines: list[OrderLine]
    at: datetime
    new_total_minor: int
    previous_total_minor: int | None = None
    refund_minor: int = 0

    def apply(self, order: OrderState) -> None:
        order.changes.append(OrderChange(self.actor, self.reason, self.at, tuple(order.lines)))
        order.lines = list(self.lines)
        order.refund_due_minor += self.refund_minor
        if self.previous_total_minor is None or order.confirmed_at is None:
            return
        unpaid = self.new_total_minor > order.paid_minor - order.refund_due_minor
        if order.status == st.CONFIRMED and unpaid:
            order.status = st.PENDING_PAYMENT
        elif order.status == st.PENDING_PAYMENT and not unpaid:
            order.status = st.CONFIRMED


class Cancelled(Aggregate.Event):
    fee_minor: int
    refund_minor: int
    reason: str
    policy_version: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.CANCELLED
        order.cancellation = Cancellation(self.fee_minor, self.refund_minor, self.reason, self.at)


class Expired(Aggregate.Event):
    """Not paid within the payment window: the order has ended, like a free cancellation (O4)."""

    placed_at: datetime
    payment_due_at: datetime
    total_minor: int
    reason: str
    at: datetime

    def apply(self, order: OrderState) -> None:
        order.status = st.EXPIRED
        order.expired_at = self.at
