"""Incoming integration events (orders.events) -> plain values for the inventory use cases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.events import Envelope
from shared.events.orders import (
    CartCheckedOut,
    CartLineChanged,
    OrderCancelled,
    OrderChanged,
    OrderConfirmed,
    OrderExpired,
    OrderPlaced,
)

CART_HOLDS = uuid.UUID("5d2c9e7a-1b4f-4c3e-9a8d-7e6f5a4b3c2d")


@dataclass(frozen=True)
class OrderFact:
    """What inventory needs of an order event: whose order, which quantities per SKU, when, why."""

    order_id: str
    customer_id: str
    at: datetime
    lines: tuple[tuple[str, int], ...] = ()
    reason: str = ""


def order_placed(envelope: Envelope) -> OrderFact:
    placed = OrderPlaced.model_validate(envelope.payload)
    lines = tuple((line.sku, line.quantity) for line in placed.lines)
    return OrderFact(placed.order_id, placed.customer_id, placed.placed_at, lines)


def order_confirmed(envelope: Envelope) -> OrderFact:
    confirmed = OrderConfirmed.model_validate(envelope.payload)
    return OrderFact(confirmed.order_id, confirmed.customer_id, confirmed.confirmed_at)


def order_ended(envelope: Envelope) -> OrderFact:
    """OrderCancelled (O5) or OrderExpired (O4): either way the order is over and its stock goes back."""
    if envelope.event_type == "OrderExpired":
        expired = OrderExpired.model_validate(envelope.payload)
        reason = f"order expired: {expired.reason}"
        return OrderFact(expired.order_id, expired.customer_id, expired.expired_at, reason=reason)
    cancelled = OrderCancelled.model_validate(envelope.payload)
    reason = f"order cancelled: {cancelled.reason}"
    return OrderFact(cancelled.order_id, cancelled.customer_id, cancelled.cancelled_at, reason=reason)


def order_changed(envelope: Envelope) -> OrderFact:
    changed = OrderChanged.model_validate(envelope.payload)
    lines = tuple((line.sku, line.quantity) for line in changed.lines)
    reason = f"order changed by {changed.actor}: {changed.reason}"
    return OrderFact(changed.order_id, changed.customer_id, changed.changed_at, lines, reason)


@dataclass(frozen=True)
class CartLine:
    """A customer's cart now holds `quantity` of `sku` (0: none); `hold_id` names the hold it asks for
    (one per cart change: derived from the message's id, so a redelivery asks for the same hold)."""

    customer_id: str
    sku: str
    quantity: int
    hold_id: str


def cart_line_changed(envelope: Envelope) -> CartLine:
    line = CartLineChanged.model_validate(envelope.payload)
    return CartLine(line.customer_id, line.sku, line.quantity, str(uuid.uuid5(CART_HOLDS, str(envelope.event_id))))


def cart_checked_out(envelope: Envelope) -> OrderFact:
    done = CartCheckedOut.model_validate(envelope.payload)
    lines = tuple((sku, 0) for sku in done.skus)
    reason = f"checked out as order {done.placed_order_id}"
    return OrderFact(done.placed_order_id, done.customer_id, done.checked_out_at, lines, reason)
