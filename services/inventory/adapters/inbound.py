"""Incoming integration events (orders.events) -> plain values for the inventory use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.events import Envelope
from shared.events.orders import OrderCancelled, OrderChanged, OrderConfirmed, OrderPlaced


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


def order_cancelled(envelope: Envelope) -> OrderFact:
    cancelled = OrderCancelled.model_validate(envelope.payload)
    reason = f"order cancelled: {cancelled.reason}"
    return OrderFact(cancelled.order_id, cancelled.customer_id, cancelled.cancelled_at, reason=reason)


def order_changed(envelope: Envelope) -> OrderFact:
    changed = OrderChanged.model_validate(envelope.payload)
    lines = tuple((line.sku, line.quantity) for line in changed.lines)
    reason = f"order changed by {changed.actor}: {changed.reason}"
    return OrderFact(changed.order_id, changed.customer_id, changed.changed_at, lines, reason)
