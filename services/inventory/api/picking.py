"""Picking (I4), by ops, for orders inventory has seen confirmed."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter

from services.inventory.api.catalogue import inventory
from services.inventory.api.models import OverduePublic, PickingFinish, PickingPublic
from shared.runtime.http.deps import Ops, OpsOrAuditor, RuntimeDep
from shared.runtime.http.problems import problems

router = APIRouter(prefix="/picking", tags=["picking"])


@router.get("/overdue", response_model=list[OverduePublic])
async def overdue(runtime: RuntimeDep, _: OpsOrAuditor) -> list[OverduePublic]:
    """Orders whose picking did not finish within the SLA of their confirmation."""
    breaches = await asyncio.to_thread(inventory(runtime).sla_breaches)
    return [OverduePublic.model_validate(breach) for breach in breaches]


@router.get("/{order_id}", response_model=PickingPublic, responses=problems(404))
async def picking(order_id: uuid.UUID, runtime: RuntimeDep, _: OpsOrAuditor) -> PickingPublic:
    """An order's reservation and picking: status, quantities, SLA, parcel weight."""
    return PickingPublic.of(await asyncio.to_thread(inventory(runtime).reservation, str(order_id)))


@router.post("/{order_id}/start", response_model=PickingPublic, responses=problems(404, 409))
async def start(order_id: uuid.UUID, runtime: RuntimeDep, ops: Ops) -> PickingPublic:
    """Start picking a confirmed order (PickingStarted: the order is Processing)."""
    app = inventory(runtime)
    return PickingPublic.of(await asyncio.to_thread(app.start_picking, str(order_id), ops.subject))


@router.post("/{order_id}/finish", response_model=PickingPublic, responses=problems(404, 409))
async def finish(
    order_id: uuid.UUID, runtime: RuntimeDep, ops: Ops, body: PickingFinish | None = None
) -> PickingPublic:
    """Finish picking with the parcel weight (measured, or unit weights x quantities): GoodsPrepared."""
    weight = body.weight_grams if body else None
    app = inventory(runtime)
    return PickingPublic.of(await asyncio.to_thread(app.finish_picking, str(order_id), ops.subject, weight))
