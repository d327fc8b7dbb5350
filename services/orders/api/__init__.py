"""Orders HTTP API."""

from __future__ import annotations

from services.orders.api import audit, privacy
from services.orders.api.routes import router
from services.orders.bootstrap import bootstrap
from services.orders.domain.cart import ItemNotInCart
from services.orders.domain.errors import (
    BelowMinimumOrderQuantity,
    Busy,
    CarrierRefused,
    CoverageUnknown,
    CustomerHasOpenOrders,
    EmptyCart,
    IdempotencyKeyReused,
    MixedCurrencies,
    NotYourOrder,
    OrderNotFound,
    OutOfBounds,
    SealedValueMalformed,
    TransitionRefused,
    UnknownProduct,
)
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {
    UnknownProduct: 422,
    BelowMinimumOrderQuantity: 422,
    MixedCurrencies: 422,
    EmptyCart: 422,
    OutOfBounds: 422,
    IdempotencyKeyReused: 422,
    CarrierRefused: 422,
    CoverageUnknown: 503,
    ItemNotInCart: 404,
    OrderNotFound: 404,
    NotYourOrder: 403,
    TransitionRefused: 409,
    Busy: 409,
    CustomerHasOpenOrders: 409,
    SealedValueMalformed: 422,
}


create_app = service_app(
    bootstrap,
    [router, audit.router, privacy.router],
    ERRORS,
    title="Hallmark orders",
    description="Carts, checkout, order status and cancellation terms.",
    shortcuts={"/orders/": "/orders/{order_id}"},  # polled by shops: answered from its cached view
)
