"""Inventory HTTP API: the public catalogue."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from services.inventory.application import InventoryApplication
from services.inventory.domain.model import Sku, UnknownSku
from shared.events import Money
from shared.runtime.http.app import create_api
from shared.runtime.http.deps import RuntimeDep
from shared.runtime.logs import configure_logging
from shared.runtime.service import Runtime

router = APIRouter(tags=["catalogue"])


class SkuPublic(BaseModel):
    sku: str
    name: str
    unit_price: Money
    moq: int
    weight_grams: int
    available: int


def _public(sku: Sku) -> SkuPublic:
    return SkuPublic(
        sku=sku.code,
        name=sku.name,
        unit_price=Money(amount_minor=sku.unit_price_minor, currency=sku.currency),
        moq=sku.moq,
        weight_grams=sku.weight_grams,
        available=sku.available,
    )


def _app(runtime: Runtime[Any]) -> InventoryApplication:
    app: InventoryApplication = runtime.app
    return app


@router.get("/skus", response_model=list[SkuPublic])
async def list_skus(runtime: RuntimeDep) -> list[SkuPublic]:
    """The catalogue with current availability (public)."""
    skus = await asyncio.to_thread(_app(runtime).list_skus)
    return [_public(s) for s in sorted(skus, key=lambda s: s.code)]


@router.get("/skus/{sku}", response_model=SkuPublic)
async def get_sku(sku: str, runtime: RuntimeDep) -> SkuPublic:
    """One SKU with its availability (public)."""
    return _public(await asyncio.to_thread(_app(runtime).get_sku, sku))


def create_app(runtime: Runtime[InventoryApplication] | None = None) -> FastAPI:
    from services.inventory.bootstrap import bootstrap

    runtime = runtime or bootstrap()
    configure_logging("inventory", runtime.settings.platform.log_level)
    return create_api(
        runtime,
        [router],
        {UnknownSku: 404},
        title="Hallmark inventory",
        description="Catalogue, stock, holds and reservations.",
    )
