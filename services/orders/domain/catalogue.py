"""The orders service's own copy of the catalogue, kept from inventory's SkuCatalogued events."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

ENTRY_NAMESPACE = uuid.UUID("5e0a9c1b-2d3f-4e6a-8b7c-9d0e1f2a3b4c")


class CatalogueEntry(Aggregate):
    Listed: ClassVar[type[Any]]
    Relisted: ClassVar[type[Any]]

    @event("Listed")
    def __init__(self, sku: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> None:
        self.sku = sku
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams

    @staticmethod
    def create_id(sku: str, **_: Any) -> uuid.UUID:
        return entry_id(sku)

    @event("Relisted")
    def relist(self, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> None:
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams


def entry_id(sku: str) -> uuid.UUID:
    return uuid.uuid5(ENTRY_NAMESPACE, sku)
