"""Incoming integration events -> plain values for the inventory use cases."""

from __future__ import annotations

from shared.events import Envelope
from shared.events.orders import OrderPlaced


def order_placed_lines(envelope: Envelope) -> tuple[str, list[tuple[str, int]]]:
    placed = OrderPlaced.model_validate(envelope.payload)
    return placed.order_id, [(line.sku, line.quantity) for line in placed.lines]
