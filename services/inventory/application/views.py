"""What the inventory use cases return besides aggregates: plain frozen values for the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.inventory.domain.sku import Sku
from services.inventory.domain.values import ReservedLine


@dataclass(frozen=True)
class HoldView:
    hold_id: str
    sku: str
    customer_id: str
    quantity: int
    expires_at: datetime


@dataclass(frozen=True)
class OrderCut:
    """An order whose reservation a stock correction cut (I3), with its StockShortfallReduced line."""

    order_id: str
    line: ReservedLine


@dataclass(frozen=True)
class Adjustment:
    """A stock correction and the orders it cut short (I3)."""

    sku: Sku
    shortfalls: tuple[OrderCut, ...]


@dataclass(frozen=True)
class SlaBreach:
    """An order whose picking did not finish within the SLA of its confirmation (I4)."""

    order_id: str
    due_at: datetime | None
    breached_at: datetime
