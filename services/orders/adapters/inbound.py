"""Incoming integration events -> typed payloads and plain values for the orders use cases."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.events import Envelope, model_for
from shared.events.inventory import SkuCatalogued


def payload(envelope: Envelope) -> Any:
    """The envelope's payload as its (current version's) model."""
    model: type[BaseModel] = model_for(envelope.event_type)
    return model.model_validate(envelope.payload)


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
