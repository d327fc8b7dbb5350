"""Catalogue and stock routes: public reads, ops changes, auditor history and as-of replay."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from services.inventory.api.models import (
    AdjustmentCreate,
    AdjustmentPublic,
    ListingUpdate,
    ReceiptCreate,
    SkuCreate,
    SkuPublic,
    StockPublic,
)
from services.inventory.application import Adjustment, InventoryApplication
from shared.runtime.audit.described import HistoryEvent, published_history
from shared.runtime.http.deps import AsOf, Auditor, Ops, OpsOrAuditor, RuntimeDep
from shared.runtime.http.problems import problems

router = APIRouter(tags=["catalogue"])


def inventory(runtime: Any) -> InventoryApplication:
    app: InventoryApplication = runtime.app
    return app


@router.get("/skus", response_model=list[SkuPublic])
async def list_skus(runtime: RuntimeDep) -> list[SkuPublic]:
    """The catalogue with current availability (public)."""
    skus = await asyncio.to_thread(inventory(runtime).list_skus)
    return [SkuPublic.of(s) for s in sorted(skus, key=lambda s: s.code)]


@router.get("/skus/{sku}", response_model=SkuPublic, responses=problems(404))
async def get_sku(sku: str, runtime: RuntimeDep) -> SkuPublic:
    """One SKU with its availability (public)."""
    return SkuPublic.of(await asyncio.to_thread(inventory(runtime).get_sku, sku))


@router.post("/skus", response_model=StockPublic, status_code=201, responses=problems(409))
async def add_sku(body: SkuCreate, runtime: RuntimeDep, _: Ops) -> StockPublic:
    """Put a new SKU in the catalogue with its stock on hand (ops); published as SkuCatalogued."""
    price = body.unit_price
    args = (body.sku, body.name, price.amount_minor, price.currency, body.moq, body.weight_grams, body.on_hand)
    return StockPublic.of(await asyncio.to_thread(inventory(runtime).add_sku, *args))


@router.put("/skus/{sku}", response_model=StockPublic, responses=problems(404, 409))
async def relist(sku: str, body: ListingUpdate, runtime: RuntimeDep, _: Ops) -> StockPublic:
    """Change a SKU's name, price, MOQ or unit weight (ops); published as SkuCatalogued."""
    price = body.unit_price
    args = (sku, body.name, price.amount_minor, price.currency, body.moq, body.weight_grams)
    return StockPublic.of(await asyncio.to_thread(inventory(runtime).relist, *args))


@router.get("/skus/{sku}/stock", response_model=StockPublic, responses=problems(404))
async def stock(sku: str, runtime: RuntimeDep, _: OpsOrAuditor) -> StockPublic:
    """Stock on hand, holds and reservations of one SKU (ops, auditors)."""
    return StockPublic.of(await asyncio.to_thread(inventory(runtime).get_sku, sku))


@router.post("/skus/{sku}/receipts", response_model=StockPublic, responses=problems(404, 409))
async def receive(sku: str, body: ReceiptCreate, runtime: RuntimeDep, ops: Ops) -> StockPublic:
    """Goods arrived: stock on hand goes up (ops)."""
    app = inventory(runtime)
    return StockPublic.of(await asyncio.to_thread(app.receive_stock, sku, body.quantity, body.reference, ops.subject))


@router.post("/skus/{sku}/adjustments", response_model=AdjustmentPublic, responses=problems(404, 409))
async def adjust(sku: str, body: AdjustmentCreate, runtime: RuntimeDep, ops: Ops) -> AdjustmentPublic:
    """Correct stock on hand to a count or by a change, with a reason (ops). Below what is held and
    reserved, holds give way, then the newest reservations; each order cut gets StockShortfallReduced (I3)."""

    def run() -> Adjustment:
        return inventory(runtime).adjust_stock(sku, body.reason, ops.subject, counted=body.counted, change=body.change)

    return AdjustmentPublic.of(await asyncio.to_thread(run))


@router.get("/skus/{sku}/history", response_model=list[HistoryEvent], responses=problems(404))
async def history(sku: str, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """Every event of the SKU in order, under their published names and versions, with who caused it (auditors)."""
    found = await asyncio.to_thread(inventory(runtime).get_sku, sku)
    return await published_history(runtime, found.id)


@router.get("/skus/{sku}/replay", response_model=StockPublic, responses=problems(404))
async def replay(
    sku: str,
    runtime: RuntimeDep,
    _: Auditor,
    as_of: AsOf,
) -> StockPublic:
    """The SKU's stock as it was at an instant (none: now), replayed from its events (auditors)."""
    return StockPublic.of(await asyncio.to_thread(inventory(runtime).sku_as_of, sku, as_of))
