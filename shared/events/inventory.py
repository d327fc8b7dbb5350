"""Events published by the inventory service on `inventory.events`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.base import Contract
from shared.events.money import Money
from shared.events.registry import event

_Payload = Contract


@event("inventory", "SkuCatalogued")
class SkuCatalogued(_Payload):
    """A SKU entered the catalogue or its listing (name, price, MOQ, weight) changed."""

    sku: str
    name: str
    unit_price: Money
    moq: int = Field(ge=1)
    weight_grams: int = Field(ge=0)


class ReservedLine(_Payload):
    sku: str
    asked: int = Field(ge=0)
    reserved: int = Field(ge=0)
    short: int = Field(ge=0)


@event("inventory", "StockReserved")
class StockReserved(_Payload):
    """Stock was reserved for an order; `short` > 0 on a line means a partial reservation."""

    order_id: str
    lines: list[ReservedLine]
    reserved_at: datetime


@event("inventory", "StockShortfallReduced")
class StockShortfallReduced(_Payload):
    """After confirmation, lines of an order were reduced because stock turned out missing (I3).

    Per line: `asked` = the order's quantity, `reserved` = what remains reserved, `short` = asked - reserved."""

    order_id: str
    lines: list[ReservedLine]
    reason: str
    reduced_at: datetime


class ReleasedLine(_Payload):
    sku: str
    quantity: int = Field(ge=0)


@event("inventory", "StockReleased")
class StockReleased(_Payload):
    """Reserved stock went back on the shelf (the order was cancelled)."""

    order_id: str
    lines: list[ReleasedLine]
    reason: str
    released_at: datetime


@event("inventory", "PickingStarted")
class PickingStarted(_Payload):
    order_id: str
    started_at: datetime
    due_at: datetime


@event("inventory", "GoodsPrepared")
class GoodsPrepared(_Payload):
    """Picking finished; the parcel weight is what shipping quotes on (I4, S1)."""

    order_id: str
    weight_grams: int = Field(gt=0)
    prepared_at: datetime


@event("inventory", "PickingSlaBreached")
class PickingSlaBreached(_Payload):
    """Picking did not finish within the deadline after confirmation (I4, O6). Inventory owns the
    deadline (INVENTORY_PICKING_SLA_HOURS); orders shows the breach on the order. Before inventory
    owned it, the orders service timed it and published this type, with the same fields, on
    orders.events."""

    order_id: str
    confirmed_at: datetime
    due_at: datetime
    breached_at: datetime
