"""Holds (I1), placed by customers as they fill their carts."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from services.inventory.api.catalogue import inventory
from services.inventory.api.models import HoldCreate, HoldPublic
from shared.runtime.http.deps import RuntimeDep, require
from shared.runtime.http.problems import problems
from shared.runtime.identity import Principal

router = APIRouter(tags=["holds"])
Customer = Annotated[Principal, Depends(require("customer"))]


@router.post("/holds", response_model=HoldPublic, status_code=201, responses=problems(404, 409))
async def place_hold(body: HoldCreate, runtime: RuntimeDep, customer: Customer) -> HoldPublic:
    """Hold stock for your cart; it expires after the hold TTL (I1). Refused (409) beyond availability (I2)."""
    app = inventory(runtime)
    return HoldPublic.of(await asyncio.to_thread(app.place_hold, customer.subject, body.sku, body.quantity))


@router.get("/holds/mine", response_model=list[HoldPublic])
async def my_holds(runtime: RuntimeDep, customer: Customer) -> list[HoldPublic]:
    """Your active holds."""
    return [HoldPublic.of(h) for h in await asyncio.to_thread(inventory(runtime).holds_of, customer.subject)]


@router.delete("/holds/{hold_id}", response_model=HoldPublic, responses=problems(404, 409))
async def release_hold(hold_id: uuid.UUID, runtime: RuntimeDep, customer: Customer) -> HoldPublic:
    """Let one of your holds go before it expires; its stock is free again."""
    app = inventory(runtime)
    return HoldPublic.of(await asyncio.to_thread(app.release_hold, customer.subject, str(hold_id)))
