"""Where a customer's holds are: the SKUs they placed holds on (the holds themselves live on the SKU,
inside its I2 boundary), so that their holds can be listed and found by id."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

HOLDS_NAMESPACE = uuid.UUID("3b8d1f6e-2a4c-4e9b-8f7d-6c5a4b3e2d1f")


class CustomerHolds(Aggregate):
    Opened: ClassVar[type[Any]]
    SkuNoted: ClassVar[type[Any]]

    @event("Opened")
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.skus: list[str] = []

    @staticmethod
    def create_id(customer_id: str) -> uuid.UUID:
        return customer_holds_id(customer_id)

    def note(self, sku: str) -> None:
        if sku not in self.skus:
            self._note(sku=sku)

    @event("SkuNoted")
    def _note(self, sku: str) -> None:
        self.skus.append(sku)


def customer_holds_id(customer_id: str) -> uuid.UUID:
    return uuid.uuid5(HOLDS_NAMESPACE, customer_id)
