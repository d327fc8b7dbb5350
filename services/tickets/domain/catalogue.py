"""The weight of each SKU (from the catalogue's SkuCatalogued), for shipping shares of shortages (T5)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

WEIGHT_NAMESPACE = uuid.UUID("3b5d7f9a-1c3e-4a5b-9c7d-e1f3a5b7c9d1")


def sku_weight_id(sku: str) -> uuid.UUID:
    return uuid.uuid5(WEIGHT_NAMESPACE, sku)


class SkuWeight(Aggregate):
    Listed: ClassVar[type[Any]]
    Reweighed: ClassVar[type[Any]]

    @event("Listed")
    def __init__(self, sku: str, weight_grams: int) -> None:
        self.sku = sku
        self.weight_grams = weight_grams

    @staticmethod
    def create_id(sku: str, **_: Any) -> uuid.UUID:
        return sku_weight_id(sku)

    def reweigh(self, weight_grams: int) -> bool:
        if weight_grams == self.weight_grams:
            return False
        self._reweigh(weight_grams=weight_grams)
        return True

    @event("Reweighed")
    def _reweigh(self, weight_grams: int) -> None:
        self.weight_grams = weight_grams
