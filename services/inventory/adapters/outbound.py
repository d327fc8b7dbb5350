"""Inventory domain events -> integration events on `inventory.events`."""

from __future__ import annotations

from typing import Any

from services.inventory.domain.model import Reservation, Sku
from shared.events import Money
from shared.events.inventory import ReservedLine, SkuCatalogued, StockReserved
from shared.runtime.translate import Outbound


def translate(domain_event: Any) -> Outbound | None:
    if isinstance(domain_event, Sku.Catalogued):
        payload = SkuCatalogued(
            sku=domain_event.code,
            name=domain_event.name,
            unit_price=Money(amount_minor=domain_event.unit_price_minor, currency=domain_event.currency),
            moq=domain_event.moq,
            weight_grams=domain_event.weight_grams,
        )
        return "SkuCatalogued", payload, None
    if isinstance(domain_event, Reservation.Made):
        payload2 = StockReserved(
            order_id=domain_event.order_id,
            lines=[ReservedLine(**line) for line in domain_event.lines],
            reserved_at=domain_event.timestamp,
        )
        return "StockReserved", payload2, domain_event.order_id
    return None
