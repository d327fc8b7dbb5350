"""Incoming integration events (orders.events, shipping.events, tickets.events) -> the typed facts
payments acts on.

The consumer has already validated and upcast each envelope, so its payload fits the current
version's model; these functions only say what payments needs of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.events import Envelope
from shared.events.orders import (
    OrderCancelled,
    OrderChanged,
    OrderExpired,
    OrderItemsReduced,
    OrderPlaced,
    OrderRefundDue,
)
from shared.events.shipping import ShippingQuoted
from shared.events.tickets import TicketRefundRequested


@dataclass(frozen=True)
class OrderToPay:
    """An order was placed: how much, in which currency, by which method (None: not chosen yet)."""

    order_id: str
    customer_id: str
    amount_minor: int
    currency: str
    method: str | None
    sample: bool


@dataclass(frozen=True)
class OrderReduced:
    """An order's lines were reduced (I3, O7): its new total, and what orders says is to be refunded."""

    order_id: str
    customer_id: str
    new_total_minor: int
    currency: str
    refund_minor: int
    reason: str


@dataclass(frozen=True)
class RefundDue:
    """Orders owes money back (a shortfall, an overpayment): to the original method (P6).
    `key` names the request, so a redelivery refunds once."""

    order_id: str
    customer_id: str
    amount_minor: int
    reason: str
    key: str
    total_minor: int | None = None
    """OrderRefundDue: what the order costs; payments gives back no more than it holds beyond it."""


@dataclass(frozen=True)
class OrderClosed:
    """The order was cancelled (O5; or expired, with no fee): its payments keep `fee_minor` and give back
    the rest (P6). `key` names the message, the closure itself happens once per order."""

    order_id: str
    customer_id: str
    fee_minor: int
    reason: str
    key: str


@dataclass(frozen=True)
class OrderRepriced:
    """An account manager changed the order (O7): its total before and after, and what it gives back.
    `previous_total_minor` is None in OrderChanged events that did not say it (nothing to act on)."""

    order_id: str
    customer_id: str
    currency: str
    previous_total_minor: int | None
    new_total_minor: int
    refund_minor: int
    reason: str
    key: str


@dataclass(frozen=True)
class ShippingCost:
    """The carrier's quote for an order: a second payment (P7)."""

    order_id: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class TicketRefundAsked:
    """An after-sale ticket asks for money back (T5): `amount_minor` of the order's goods or shipping
    payment, to its original method (P6), once per `refund_id`."""

    refund_id: str
    ticket_id: str
    order_id: str
    customer_id: str
    purpose: str
    amount_minor: int
    currency: str
    reason: str


_REFUNDING: dict[str, type[OrderRefundDue] | type[OrderItemsReduced]] = {
    "OrderRefundDue": OrderRefundDue,
    "OrderItemsReduced": OrderItemsReduced,
}


def order_placed(envelope: Envelope) -> OrderToPay:
    placed = OrderPlaced.model_validate(envelope.payload)
    total = placed.total
    return OrderToPay(
        placed.order_id, placed.customer_id, total.amount_minor, total.currency, placed.payment_method, placed.sample
    )


def order_reduced(envelope: Envelope) -> OrderReduced:
    reduced = OrderItemsReduced.model_validate(envelope.payload)
    return OrderReduced(
        reduced.order_id,
        reduced.customer_id,
        reduced.new_total.amount_minor,
        reduced.new_total.currency,
        reduced.refund.amount_minor,
        reduced.reason,
    )


def refund_due(envelope: Envelope) -> RefundDue:
    """OrderRefundDue (P6) or OrderItemsReduced (I3): the refund each carries."""
    due = _REFUNDING[envelope.event_type].model_validate(envelope.payload)
    key = f"{envelope.event_type}:{envelope.event_id}"
    total = due.total.amount_minor if isinstance(due, OrderRefundDue) else None
    return RefundDue(due.order_id, due.customer_id, due.refund.amount_minor, due.reason, key, total)


def order_closed(envelope: Envelope) -> OrderClosed:
    """OrderCancelled (O5), or another event that ends an unpaid order (`_CLOSING`): what it keeps."""
    order_id, customer_id, fee_minor, reason = _CLOSING[envelope.event_type](envelope.payload)
    return OrderClosed(order_id, customer_id, fee_minor, reason, f"{envelope.event_type}:{envelope.event_id}")


def _cancelled(payload: dict[str, Any]) -> tuple[str, str, int, str]:
    cancelled = OrderCancelled.model_validate(payload)
    return cancelled.order_id, cancelled.customer_id, cancelled.fee.amount_minor, cancelled.reason


def _expired(payload: dict[str, Any]) -> tuple[str, str, int, str]:
    """An expired order (O4) closes like a free cancellation: nothing is kept."""
    expired = OrderExpired.model_validate(payload)
    return expired.order_id, expired.customer_id, 0, f"expired: {expired.reason}"


_CLOSING: dict[str, Callable[[dict[str, Any]], tuple[str, str, int, str]]] = {
    "OrderCancelled": _cancelled,
    "OrderExpired": _expired,
}


def order_changed(envelope: Envelope) -> OrderRepriced:
    changed = OrderChanged.model_validate(envelope.payload)
    previous = changed.previous_total.amount_minor if changed.previous_total is not None else None
    refund = changed.refund.amount_minor if changed.refund is not None else 0
    reason = f"changed by {changed.actor}: {changed.reason}"
    key = f"{envelope.event_type}:{envelope.event_id}"
    total = changed.new_total
    return OrderRepriced(
        changed.order_id, changed.customer_id, total.currency, previous, total.amount_minor, refund, reason, key
    )


def shipping_quoted(envelope: Envelope) -> ShippingCost:
    quoted = ShippingQuoted.model_validate(envelope.payload)
    return ShippingCost(quoted.order_id, quoted.cost.amount_minor, quoted.cost.currency)


def ticket_refund(envelope: Envelope) -> TicketRefundAsked:
    asked = TicketRefundRequested.model_validate(envelope.payload)
    return TicketRefundAsked(
        asked.refund_id,
        asked.ticket_id,
        asked.order_id,
        asked.customer_id,
        asked.purpose,
        asked.amount.amount_minor,
        asked.amount.currency,
        asked.reason,
    )
