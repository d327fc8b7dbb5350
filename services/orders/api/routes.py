"""Orders HTTP routes: carts and checkout (customers), orders, cancellation, changes, audit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import Response

from services.orders.api.models import (
    CartPublic,
    ChangeCreate,
    CheckoutCreate,
    CoveragePublic,
    LineCreate,
    OrderCreate,
    OrderPublic,
    QuantityUpdate,
    TermsPublic,
)
from services.orders.application import Checkout, OrdersApplication
from services.orders.domain.errors import CoverageUnknown, NotYourOrder
from services.orders.domain.order import Order
from shared.runtime.audit.described import HistoryEvent, published_history
from shared.runtime.http.deps import AsOf, Auditor, Ops, PrincipalDep, RuntimeDep, ViewsDep, aware, require
from shared.runtime.http.problems import problems
from shared.runtime.http.views import View
from shared.runtime.identity import Principal

router = APIRouter(tags=["orders"])
Customer = Annotated[Principal, Depends(require("customer"))]
Manager = Annotated[Principal, Depends(require("account_manager", "ops"))]
IdempotencyKey = Annotated[str | None, Header(max_length=128, description="Retries with the same key place one order")]


def _app(runtime: Any) -> OrdersApplication:
    app: OrdersApplication = runtime.app
    return app


def _checkout(body: CheckoutCreate) -> Checkout:
    return Checkout(
        shipping_address=body.shipping_address.to_address(),
        billing_address=body.billing_address.to_address(),
        payment_method=body.payment_method,
        sample=body.sample,
        contact_email=body.contact_email,
        carrier=body.carrier,
    )


async def _visible_order(app: OrdersApplication, order_id: uuid.UUID, principal: Principal) -> Order:
    order = await asyncio.to_thread(app.get_order, order_id)
    if not principal.may_see_customer(order.customer_id):
        raise NotYourOrder("this order belongs to another customer", field="order_id", rule="X2")
    return order


# --- cart (O1) -----------------------------------------------------------------------------------
@router.get("/carts/mine", response_model=CartPublic)
async def view_cart(runtime: RuntimeDep, customer: Customer) -> CartPublic:
    """The calling customer's cart."""
    return CartPublic.of(await asyncio.to_thread(_app(runtime).cart, customer.subject))


@router.post("/carts/mine/items", response_model=CartPublic)
async def add_item(body: LineCreate, runtime: RuntimeDep, customer: Customer) -> CartPublic:
    """Add items to the cart (quantities add up)."""
    return CartPublic.of(await asyncio.to_thread(_app(runtime).add_to_cart, customer.subject, body.sku, body.quantity))


@router.put("/carts/mine/items/{sku}", response_model=CartPublic, responses=problems(404))
async def change_quantity(sku: str, body: QuantityUpdate, runtime: RuntimeDep, customer: Customer) -> CartPublic:
    """Change the quantity of an item in the cart."""
    app = _app(runtime)
    return CartPublic.of(await asyncio.to_thread(app.change_cart_quantity, customer.subject, sku, body.quantity))


@router.delete("/carts/mine/items/{sku}", response_model=CartPublic, responses=problems(404))
async def remove_item(sku: str, runtime: RuntimeDep, customer: Customer) -> CartPublic:
    """Remove an item from the cart."""
    return CartPublic.of(await asyncio.to_thread(_app(runtime).remove_from_cart, customer.subject, sku))


@router.post("/carts/mine/checkout", response_model=OrderPublic, status_code=201, responses=problems(503))
async def checkout(
    body: CheckoutCreate, runtime: RuntimeDep, customer: Customer, idempotency_key: IdempotencyKey = None
) -> OrderPublic:
    """Check out: the cart becomes an order (PendingPayment), minimum quantities checked (O2)."""
    order = await asyncio.to_thread(_app(runtime).place, customer.subject, None, _checkout(body), idempotency_key)
    return OrderPublic.of(order)


@router.get("/carriers", response_model=CoveragePublic, responses=problems(503))
async def carriers(runtime: RuntimeDep) -> CoveragePublic:
    """S1: which countries each carrier serves (shipping's newest tariff); 503 until it is known."""
    coverage = await asyncio.to_thread(_app(runtime).carrier_coverage)
    if coverage is None:
        raise CoverageUnknown("carrier coverage not known yet: retry shortly", field="carrier", rule="S1")
    return CoveragePublic.of(coverage)


# --- orders --------------------------------------------------------------------------------------
@router.post("/orders", response_model=OrderPublic, status_code=201, responses=problems(503))
async def place_order(
    body: OrderCreate, runtime: RuntimeDep, customer: Customer, idempotency_key: IdempotencyKey = None
) -> OrderPublic:
    """Place an order directly with its lines (the same checks as checkout)."""
    lines = [(line.sku, line.quantity) for line in body.lines]
    order = await asyncio.to_thread(_app(runtime).place, customer.subject, lines, _checkout(body), idempotency_key)
    return OrderPublic.of(order)


@router.get("/orders", response_model=list[OrderPublic])
async def list_orders(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    customer_id: Annotated[str | None, Query(description="ops/auditors: whose")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="page size, newest first")] = 50,
    offset: Annotated[int, Query(ge=0, description="orders to skip")] = 0,
) -> list[OrderPublic]:
    """A customer's own orders; an account manager's customers' orders; ops/auditors by customer."""
    if principal.role == "customer":
        customers = [principal.subject]
    elif principal.role == "account_manager":
        customers = [c for c in principal.customers if customer_id in (None, c)]
    elif customer_id:
        customers = [customer_id]
    else:
        raise HTTPException(422, [{"field": "customer_id", "rule": "X3", "message": "required for ops and auditors"}])
    orders = await asyncio.to_thread(_app(runtime).orders_of, customers, limit, offset)
    return [OrderPublic.of(o) for o in orders]


@router.get("/orders/{order_id}", response_model=OrderPublic, responses=problems(403, 404))
async def get_order(
    order_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    views: ViewsDep,
    as_of: AsOf,
) -> Any:
    """One order with its status derived from its events; auditors may ask as of an instant."""
    app = _app(runtime)
    if as_of is not None:
        order = await _visible_order(app, order_id, principal)
        if principal.role not in ("auditor", "ops"):
            raise HTTPException(403, "role: as_of is for auditors and ops")
        return OrderPublic.of(await asyncio.to_thread(app.order_as_of, order_id, as_of))
    # the current state: the cached response while the store's newest version is the one it shows
    view = await views.current(order_id)
    if view is None:
        order = await asyncio.to_thread(app.get_order, order_id)
        view = View(order.version, order.customer_id, OrderPublic.of(order).model_dump_json().encode())
        views.put(order_id, view)
    if not principal.may_see_customer(view.owner):
        raise NotYourOrder("this order belongs to another customer", field="order_id", rule="X2")
    return Response(view.body, media_type="application/json")


@router.get("/orders/{order_id}/history", response_model=list[HistoryEvent], responses=problems(404))
async def order_history(order_id: uuid.UUID, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """The order's events in order, under their published names and versions, with their metadata (auditors)."""
    await asyncio.to_thread(_app(runtime).get_order, order_id)
    return await published_history(runtime, order_id)


@router.get("/orders/{order_id}/cancellation-terms", response_model=TermsPublic, responses=problems(403, 404))
async def cancellation_terms(
    order_id: uuid.UUID,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    at: Annotated[datetime | None, Query(description="any instant; default now")] = None,
) -> TermsPublic:
    """O5: status, whether cancelling is allowed, fee and refund, at any instant (past or future)."""
    app = _app(runtime)
    await _visible_order(app, order_id, principal)
    when = aware(at, "at") if at is not None else None
    return TermsPublic.of(await asyncio.to_thread(app.cancellation_terms, order_id, when))


@router.post("/orders/{order_id}/cancel", response_model=TermsPublic, responses=problems(403, 404, 409))
async def cancel_order(order_id: uuid.UUID, runtime: RuntimeDep, principal: PrincipalDep) -> TermsPublic:
    """Cancel now on the terms of now (O5); refused (409) when the rules say so."""
    app = _app(runtime)
    await _visible_order(app, order_id, principal)
    if principal.role == "auditor":
        raise HTTPException(403, "role: auditors read, they do not change")
    return TermsPublic.of(await asyncio.to_thread(app.cancel, order_id))


@router.post("/orders/{order_id}/changes", response_model=OrderPublic, responses=problems(404, 409))
async def change_order(order_id: uuid.UUID, body: ChangeCreate, runtime: RuntimeDep, manager: Manager) -> OrderPublic:
    """O7: an account manager changes the order's lines, with a reason; until shipping is quoted."""
    app = _app(runtime)
    await _visible_order(app, order_id, manager)
    lines = [(line.sku, line.quantity) for line in body.lines]
    return OrderPublic.of(await asyncio.to_thread(app.change_order, order_id, manager.subject, body.reason, lines))


@router.get("/admin/sla-breaches")
async def sla_breaches(runtime: RuntimeDep, _: Ops) -> list[dict[str, Any]]:
    """O6: orders whose picking did not finish within the SLA."""
    return await asyncio.to_thread(_app(runtime).sla_breaches)
