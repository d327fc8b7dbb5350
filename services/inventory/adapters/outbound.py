"""Inventory domain events -> integration events on `inventory.events`. Holds, counts and the
other stock movements stay inside the service (ops and auditors read them over HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.inventory.domain.reservation import Reservation
from services.inventory.domain.sku import Sku
from services.inventory.domain.values import ReservedLine
from shared.events import Money
from shared.events import inventory as contract
from shared.runtime.translate import Outbound


def translate(domain_event: Any) -> Outbound | None:
    build = _BUILDERS.get(type(domain_event))
    built = build(domain_event) if build is not None else None
    if built is None:
        return None
    event_type, payload = built
    return event_type, payload, getattr(payload, "order_id", None)


def _listing(e: Any) -> tuple[str, BaseModel]:
    return "SkuCatalogued", contract.SkuCatalogued(
        sku=e.code,
        name=e.name,
        unit_price=Money(amount_minor=e.unit_price_minor, currency=e.currency),
        moq=e.moq,
        weight_grams=e.weight_grams,
    )


def _reserved(e: Any) -> tuple[str, BaseModel]:
    return "StockReserved", contract.StockReserved(
        order_id=e.order_id, lines=[_reserved_line(line) for line in e.lines], reserved_at=e.timestamp
    )


def _shortfall(e: Any) -> tuple[str, BaseModel]:
    return "StockShortfallReduced", contract.StockShortfallReduced(
        order_id=e.order_id,
        lines=[_reserved_line(line) for line in e.lines],
        reason=e.reason,
        reduced_at=e.at,
    )


def _released(e: Any) -> tuple[str, BaseModel]:
    return "StockReleased", contract.StockReleased(
        order_id=e.order_id,
        lines=[contract.ReleasedLine(sku=line.sku, quantity=line.quantity) for line in e.lines],
        reason=e.reason,
        released_at=e.at,
    )


def _reserved_line(line: ReservedLine) -> contract.ReservedLine:
    return contract.ReservedLine(sku=line.sku, asked=line.asked, reserved=line.reserved, short=line.short)


def _picking_started(e: Any) -> tuple[str, BaseModel]:
    return "PickingStarted", contract.PickingStarted(order_id=e.order_id, started_at=e.at, due_at=e.due_at)


def _goods_prepared(e: Any) -> tuple[str, BaseModel]:
    return "GoodsPrepared", contract.GoodsPrepared(order_id=e.order_id, weight_grams=e.weight_grams, prepared_at=e.at)


def _picking_late(e: Any) -> tuple[str, BaseModel] | None:
    """I4/O6: the breach, for orders to show; breaches recorded before they were published (no
    confirmation instant stored) stay inside."""
    confirmed_at = getattr(e, "confirmed_at", None)
    if confirmed_at is None or e.due_at is None:
        return None
    return "PickingSlaBreached", contract.PickingSlaBreached(
        order_id=e.order_id, confirmed_at=confirmed_at, due_at=e.due_at, breached_at=e.at
    )


_BUILDERS: dict[type[Any], Callable[[Any], tuple[str, BaseModel] | None]] = {
    Sku.Catalogued: _listing,
    Sku.Relisted: _listing,
    Reservation.Made: _reserved,
    Reservation.ShortfallRecorded: _shortfall,
    Reservation.Released: _released,
    Reservation.PickingStarted: _picking_started,
    Reservation.GoodsPrepared: _goods_prepared,
    Reservation.PickingSlaBreached: _picking_late,
}
