"""The orders service's own copy of the catalogue, kept from inventory's SkuCatalogued events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.orders.domain.values import Money

ENTRY_NAMESPACE = uuid.UUID("5e0a9c1b-2d3f-4e6a-8b7c-9d0e1f2a3b4c")


@dataclass(frozen=True)
class Listing:
    """What the catalogue says of one product: its price, its minimum order quantity (O2), its weight."""

    sku: str
    name: str
    unit_price: Money
    moq: int
    weight_grams: int


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

    @classmethod
    def from_listing(cls, listing: Listing) -> CatalogueEntry:
        return cls(
            sku=listing.sku,
            name=listing.name,
            unit_price_minor=listing.unit_price.amount_minor,
            currency=listing.unit_price.currency,
            moq=listing.moq,
            weight_grams=listing.weight_grams,
        )

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_minor, self.currency)

    @property
    def listing(self) -> Listing:
        return Listing(self.sku, self.name, self.unit_price, self.moq, self.weight_grams)

    def update(self, listing: Listing) -> bool:
        """Take a new listing of this product; False when nothing about it changed."""
        if listing == self.listing:
            return False
        price = listing.unit_price
        self.relist(
            name=listing.name,
            unit_price_minor=price.amount_minor,
            currency=price.currency,
            moq=listing.moq,
            weight_grams=listing.weight_grams,
        )
        return True

    @event("Relisted")
    def relist(self, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> None:
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams


def entry_id(sku: str) -> uuid.UUID:
    return uuid.uuid5(ENTRY_NAMESPACE, sku)
