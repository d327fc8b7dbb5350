"""Frozen value objects of the inventory: a hold on a SKU, the lines of a reservation and of a
release, a recorded shortfall, a stock correction; and the bounds of a unit price. Stored events
and snapshots carry them (the application registers their transcodings); the upcasters turn what
older events stored as plain dicts into them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.inventory.domain.errors import InvalidAdjustment, InvalidPrice


@dataclass(frozen=True)
class Hold:
    """Stock held for a customer's cart until `expires_at` (I1)."""

    customer_id: str
    quantity: int
    expires_at: datetime


@dataclass(frozen=True)
class ReservedLine:
    """One SKU of an order, as StockReserved and StockShortfallReduced publish it: of `asked`,
    `reserved` are on the shelf for the order and `short` are missing."""

    sku: str
    asked: int
    reserved: int
    short: int


@dataclass(frozen=True)
class ReleasedLine:
    """One SKU of an order going back on the shelf (StockReleased)."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class Shortfall:
    """Stock turned out missing for an order (I3), or not enough for its change (O7)."""

    lines: tuple[ReservedLine, ...]
    reason: str
    at: datetime


@dataclass(frozen=True)
class StockCorrection:
    """Stock on hand corrected to a count, or by a change (e.g. -5 for a damaged batch)."""

    counted: int | None = None
    change: int | None = None

    def __post_init__(self) -> None:
        if (self.counted is None) == (self.change is None):
            message = "give either counted (a new count) or change (e.g. -5 for a damaged batch)"
            raise InvalidAdjustment(message, field="counted", rule="X3")
        if self.change == 0:
            raise InvalidAdjustment("a change of 0 changes nothing", field="change", rule="X3")

    @property
    def field(self) -> str:
        """The request field a refusal of this correction points at."""
        return "change" if self.counted is None else "counted"

    def applied_to(self, on_hand: int) -> int:
        return on_hand + (self.change or 0) if self.counted is None else self.counted


def check_price(code: str, unit_price_minor: int, ceiling_minor: int) -> None:
    """X3: a product is listed at a price above 0 and below the ceiling (INVENTORY_MAX_UNIT_PRICE_MINOR);
    a price of 0 or less would make orders that total 0 or less."""
    if not 0 < unit_price_minor < ceiling_minor:
        raise InvalidPrice(
            f"{code}: a unit price is above 0 and below {ceiling_minor:,} minor units, not {unit_price_minor:,}",
            field="unit_price.amount_minor",
            rule="X3",
        )


def upcast_lines(kind: type[ReservedLine] | type[ReleasedLine]) -> Callable[[dict[str, Any]], None]:
    """An event upcaster (v1 -> v2): v1 stored the event's `lines` as plain dicts."""

    def upcast(state: dict[str, Any]) -> None:
        state["lines"] = [line if isinstance(line, kind) else kind(**line) for line in state["lines"]]

    return upcast
