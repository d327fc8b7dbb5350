"""Errors of the inventory domain; each names the field and the rule it broke."""

from __future__ import annotations


class InventoryError(Exception):
    """A rule of the inventory was broken; `field` and `rule` say which."""

    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class UnknownSku(InventoryError, LookupError):
    pass


class SkuAlreadyCatalogued(InventoryError):
    pass


class NotEnoughStock(InventoryError):
    """Holding this much would let holds and reservations exceed stock on hand (I2)."""


class StockWouldGoNegative(InventoryError):
    pass


class HoldNotFound(InventoryError, LookupError):
    pass


class ReservationNotFound(InventoryError, LookupError):
    pass


class PickingRefused(InventoryError):
    """The order is not at the step of picking this command needs (I4); nothing is recorded."""


class InvalidParcelWeight(InventoryError):
    pass


class StockBusy(InventoryError):
    """Concurrent writers kept changing the same stock; nothing was recorded, the caller may retry."""

    @classmethod
    def after(cls, codes: list[str], tries: int) -> StockBusy:
        what = ", ".join(codes) or "order"
        return cls(
            f"{what}: changed by others {tries} times in a row; nothing was recorded, try again", field="sku", rule="I2"
        )


class InvalidAdjustment(InventoryError):
    pass


class InvalidPrice(InventoryError):
    """X3: a unit price of 0 or less, or above the ceiling."""
