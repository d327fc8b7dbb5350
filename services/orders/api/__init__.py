"""Orders HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from services.orders.api.routes import router
from services.orders.application import OrdersApplication
from services.orders.domain.cart import ItemNotInCart
from services.orders.domain.errors import (
    BelowMinimumOrderQuantity,
    EmptyCart,
    NotYourOrder,
    OrderNotFound,
    TransitionRefused,
    UnknownProduct,
)
from shared.runtime.logs import configure_logging
from shared.runtime.service import Runtime

ERRORS: dict[type[Exception], int] = {
    UnknownProduct: 422,
    BelowMinimumOrderQuantity: 422,
    EmptyCart: 422,
    ItemNotInCart: 404,
    OrderNotFound: 404,
    NotYourOrder: 403,
    TransitionRefused: 409,
}


def create_app(runtime: Runtime[OrdersApplication] | None = None) -> FastAPI:
    from services.orders.bootstrap import bootstrap
    from shared.runtime.http.app import create_api

    runtime = runtime or bootstrap()
    configure_logging("orders", runtime.settings.platform.log_level)
    return create_api(
        runtime,
        [router],
        ERRORS,
        title="Hallmark orders",
        description="Carts, checkout, order status and cancellation terms.",
    )
