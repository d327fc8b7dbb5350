"""Orders HTTP API."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header
from pydantic import BaseModel, ConfigDict, Field

from services.orders.application import OrdersApplication
from services.orders.domain.errors import NotYourOrder, OrderNotFound, UnknownProduct
from services.orders.domain.order import Order
from shared.events import Money
from shared.runtime.http.app import create_api
from shared.runtime.http.deps import PrincipalDep, RuntimeDep, require
from shared.runtime.identity import Principal
from shared.runtime.logs import configure_logging
from shared.runtime.service import Runtime

router = APIRouter(tags=["orders"])
Customer = Annotated[Principal, Depends(require("customer"))]


class OrderLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[OrderLineCreate] = Field(min_length=1, max_length=500)


class OrderLinePublic(BaseModel):
    sku: str
    quantity: int
    unit_price: Money


class OrderPublic(BaseModel):
    order_id: uuid.UUID
    customer_id: str
    status: str
    stock: str
    lines: list[OrderLinePublic]
    total: Money
    reservation: list[dict[str, Any]]
    placed_at: str
    version: int


def _public(order: Order) -> OrderPublic:
    return OrderPublic(
        order_id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        stock=order.stock,
        lines=[
            OrderLinePublic(
                sku=line["sku"],
                quantity=line["quantity"],
                unit_price=Money(amount_minor=line["unit_price_minor"], currency=order.currency),
            )
            for line in order.lines
        ],
        total=Money(amount_minor=order.total_minor, currency=order.currency),
        reservation=order.reservation,
        placed_at=order.placed_at.isoformat(),
        version=order.version,
    )


def _app(runtime: Runtime[Any]) -> OrdersApplication:
    app: OrdersApplication = runtime.app
    return app


@router.post("/orders", response_model=OrderPublic, status_code=201)
async def place_order(
    body: OrderCreate,
    runtime: RuntimeDep,
    customer: Customer,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> OrderPublic:
    """Place an order for the calling customer; it starts as PendingPayment."""
    app = _app(runtime)
    lines = [(line.sku, line.quantity) for line in body.lines]
    order_id = await asyncio.to_thread(app.place_order, customer.subject, lines, idempotency_key)
    return _public(await asyncio.to_thread(app.get_order, order_id))


@router.get("/orders/{order_id}", response_model=OrderPublic)
async def get_order(order_id: uuid.UUID, runtime: RuntimeDep, principal: PrincipalDep) -> OrderPublic:
    """One order with its derived status (own orders only, for customers)."""
    order = await asyncio.to_thread(_app(runtime).get_order, order_id)
    if not principal.may_see_customer(order.customer_id):
        raise NotYourOrder("this order belongs to another customer", field="order_id", rule="X2")
    return _public(order)


def create_app(runtime: Runtime[OrdersApplication] | None = None) -> FastAPI:
    from services.orders.bootstrap import bootstrap

    runtime = runtime or bootstrap()
    configure_logging("orders", runtime.settings.platform.log_level)
    errors: dict[type[Exception], int] = {UnknownProduct: 422, OrderNotFound: 404, NotYourOrder: 403}
    return create_api(
        runtime,
        [router],
        errors,
        title="Hallmark orders",
        description="Carts, checkout, order status and cancellation terms.",
    )
