"""SKUs and reservations. Stock on hand, and what is reserved of it, changes only by events."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

SKU_NAMESPACE = uuid.UUID("a9e3c7f4-5d7b-4f0e-8a7c-3c1d2b4e5f60")
RESERVATION_NAMESPACE = uuid.UUID("c2f1e0d9-8b7a-4c6d-9e5f-4a3b2c1d0e9f")


class InventoryError(Exception):
    """A rule of the inventory was broken; `field` and `rule` say which."""

    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class UnknownSku(InventoryError, LookupError):
    pass


class Sku(Aggregate):
    """One stock-keeping unit of the catalogue, with its stock on hand and reserved quantity."""

    Catalogued: ClassVar[type[Any]]
    Reserved: ClassVar[type[Any]]

    @event("Catalogued")
    def __init__(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> None:
        self.code = code
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams
        self.on_hand = on_hand
        self.reserved = 0

    @staticmethod
    def create_id(code: str, **_: Any) -> uuid.UUID:
        return sku_id(code)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def reserve_up_to(self, order_id: str, quantity: int) -> int:
        """Reserve as much of `quantity` as is available (never more: I2); return how much."""
        granted = max(0, min(self.available, quantity))
        if granted:
            self._reserve(order_id=order_id, quantity=granted)
        return granted

    @event("Reserved")
    def _reserve(self, order_id: str, quantity: int) -> None:
        self.reserved += quantity


def sku_id(code: str) -> uuid.UUID:
    return uuid.uuid5(SKU_NAMESPACE, code)


class Reservation(Aggregate):
    """What was reserved for one order; its id follows from the order id (one per order)."""

    Made: ClassVar[type[Any]]

    @event("Made")
    def __init__(self, order_id: str, lines: list[dict[str, Any]]) -> None:
        self.order_id = order_id
        self.lines = lines

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        return reservation_id(order_id)


def reservation_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(RESERVATION_NAMESPACE, order_id)
