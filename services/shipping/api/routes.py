"""Shipping HTTP routes: a shipment for its customer, dispatch and admin lists for ops, history and
as-of views for auditors, the tariff table (S1-S4, X2)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from services.shipping.api.models import CarrierCreate, ShipmentPublic, TariffPublic
from services.shipping.application import ShippingApplication
from services.shipping.domain.errors import NotYourShipment
from services.shipping.domain.publication import coverage
from services.shipping.domain.shipment import Shipment
from shared.runtime.audit.described import HistoryEvent, published_history
from shared.runtime.http.deps import AsOf, Auditor, Ops, PrincipalDep, RuntimeDep, require
from shared.runtime.http.problems import problems
from shared.runtime.identity import Principal

router = APIRouter(tags=["shipping"])
Customer = Annotated[Principal, Depends(require("customer"))]
Manager = Annotated[Principal, Depends(require("account_manager", "ops"))]


def _app(runtime: Any) -> ShippingApplication:
    app: ShippingApplication = runtime.app
    return app


async def _visible(app: ShippingApplication, order_id: uuid.UUID, principal: Principal) -> Shipment:
    """X2: a customer sees their own shipments, an account manager their customers'."""
    shipment = await asyncio.to_thread(app.shipment, str(order_id))
    customer = shipment.customer_id
    allowed = principal.may_see_customer(customer) if customer else principal.role in ("ops", "auditor")
    if not allowed:
        raise NotYourShipment("this shipment belongs to another customer", field="order_id", rule="X2")
    return shipment


@router.get("/shipments/{order_id}", response_model=ShipmentPublic, responses=problems(403, 404))
async def get_shipment(
    order_id: uuid.UUID, runtime: RuntimeDep, principal: PrincipalDep, as_of: AsOf
) -> ShipmentPublic:
    """The order's shipment: quote, payment, estimate, tracking; auditors may ask as of an instant."""
    app = _app(runtime)
    shipment = await _visible(app, order_id, principal)
    if as_of is not None:
        if principal.role not in ("auditor", "ops"):
            raise HTTPException(403, "role: as_of is for auditors and ops")
        shipment = await asyncio.to_thread(app.shipment_as_of, str(order_id), as_of)
    return ShipmentPublic.of(shipment, app)


@router.get("/shipments/{order_id}/history", response_model=list[HistoryEvent], responses=problems(404))
async def shipment_history(order_id: uuid.UUID, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """The shipment's events in order, under their published names and versions, with their metadata (auditors)."""
    shipment = await asyncio.to_thread(_app(runtime).shipment, str(order_id))
    return await published_history(runtime, shipment.id)


@router.post("/shipments/{order_id}/dispatch", response_model=ShipmentPublic, responses=problems(404, 409))
async def dispatch(order_id: uuid.UUID, runtime: RuntimeDep, ops: Ops) -> ShipmentPublic:
    """S2: hand the parcel to the carrier (ops) once the shipping is paid; 409 before that."""
    app = _app(runtime)
    return ShipmentPublic.of(await asyncio.to_thread(app.dispatch, str(order_id), ops.subject), app)


@router.post("/shipments/{order_id}/receipt", response_model=ShipmentPublic, responses=problems(404, 409))
async def confirm_receipt(order_id: uuid.UUID, runtime: RuntimeDep, customer: Customer) -> ShipmentPublic:
    """S4: the customer confirms receipt of a delivered parcel; 409 before delivery."""
    app = _app(runtime)
    await _visible(app, order_id, customer)
    return ShipmentPublic.of(await asyncio.to_thread(app.confirm_receipt, str(order_id), customer.subject), app)


@router.post("/shipments/{order_id}/carrier", response_model=ShipmentPublic, responses=problems(404, 409))
async def choose_carrier(
    order_id: uuid.UUID, body: CarrierCreate, runtime: RuntimeDep, manager: Manager
) -> ShipmentPublic:
    """S1: choose the carrier of an order placed without one (its quote was refused); quotes it."""
    app = _app(runtime)
    await _visible(app, order_id, manager)
    return ShipmentPublic.of(
        await asyncio.to_thread(app.choose_carrier, str(order_id), body.carrier, manager.subject), app
    )


@router.get("/tariffs/current", response_model=TariffPublic)
async def current_tariff(runtime: RuntimeDep, _: PrincipalDep) -> TariffPublic:
    """S1: the tariff table quotes use: its version and which countries each carrier serves."""
    table = _app(runtime).tariff
    return TariffPublic(version=table.version, currency=table.currency, carriers=coverage(table))


@router.get("/admin/late-parcels", response_model=list[ShipmentPublic])
async def late_parcels(runtime: RuntimeDep, _: Ops) -> list[ShipmentPublic]:
    """S3: parcels with no carrier update for the configured time (customs holds excepted)."""
    app = _app(runtime)
    return [ShipmentPublic.of(s, app) for s in await asyncio.to_thread(app.late_parcels)]


@router.get("/admin/refused-quotes", response_model=list[ShipmentPublic])
async def refused_quotes(runtime: RuntimeDep, _: Ops) -> list[ShipmentPublic]:
    """S1: prepared parcels that could not be quoted (no carrier, country not served, too heavy)."""
    app = _app(runtime)
    return [ShipmentPublic.of(s, app) for s in await asyncio.to_thread(app.refused_quotes)]
