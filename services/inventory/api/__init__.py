"""Inventory HTTP API: catalogue and availability (public), holds (customers), stock and picking
(ops), history and as-of replay (auditors)."""

from __future__ import annotations

from services.inventory.api import catalogue, holds, picking
from services.inventory.bootstrap import bootstrap
from services.inventory.domain import errors
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {
    errors.UnknownSku: 404,
    errors.HoldNotFound: 404,
    errors.ReservationNotFound: 404,
    errors.InvalidAdjustment: 422,
    errors.InvalidParcelWeight: 422,
    errors.InvalidPrice: 422,
    errors.SkuAlreadyCatalogued: 409,
    errors.NotEnoughStock: 409,
    errors.StockWouldGoNegative: 409,
    errors.PickingRefused: 409,
    errors.StockBusy: 409,
    errors.InventoryError: 422,
}


create_app = service_app(
    bootstrap,
    [catalogue.router, holds.router, picking.router],
    ERRORS,
    title="Hallmark inventory",
    description="Catalogue, stock, holds, reservations and picking.",
)
