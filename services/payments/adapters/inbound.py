"""Incoming integration events (orders.events, shipping.events, tickets.events) -> the typed facts
payments acts on.

The consumer has already validated and upcast each envelope, so its payload fits the current
version's model; these functions only say what payments needs of it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import Envelope
from shared.events.orders import OrderCancelled, OrderItemsReduced, OrderPlaced, OrderRefundDue
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
    """Orders owes money back (a cancellation, a shortfall, an overpayment): to the original method (P6).
    `key` names the request, so a redelivery refunds once."""

    order_id: str
    customer_id: str
    amount_minor: int
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


_REFUNDING: dict[str, type[OrderCancelled] | type[OrderRefundDue] | type[OrderItemsReduced]] = {
    "OrderCancelled": OrderCancelled,
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
    """OrderCancelled (O5), OrderRefundDue (P6) or OrderItemsReduced (I3): the refund each carries."""
    due = _REFUNDING[envelope.event_type].model_validate(envelope.payload)
    key = f"{envelope.event_type}:{envelope.event_id}"
    return RefundDue(due.order_id, due.customer_id, due.refund.amount_minor, due.reason, key)


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
