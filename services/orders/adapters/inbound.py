"""Incoming integration events -> plain values for the orders use cases."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events import Envelope
from shared.events.inventory import SkuCatalogued, StockReserved


def listing(envelope: Envelope) -> dict[str, Any]:
    sku = SkuCatalogued.model_validate(envelope.payload)
    return {
        "sku": sku.sku,
        "name": sku.name,
        "unit_price_minor": sku.unit_price.amount_minor,
        "currency": sku.unit_price.currency,
        "moq": sku.moq,
        "weight_grams": sku.weight_grams,
    }


def reservation(envelope: Envelope) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    reserved = StockReserved.model_validate(envelope.payload)
    return uuid.UUID(reserved.order_id), [line.model_dump() for line in reserved.lines]
