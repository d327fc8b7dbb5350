"""Shipping HTTP API: shipments (customers, ops, auditors), the carriers' webhook, the tariff table."""

from __future__ import annotations

from services.shipping.adapters.signatures import SignatureRefused
from services.shipping.api.routes import router
from services.shipping.api.webhooks import router as webhooks
from services.shipping.bootstrap import bootstrap
from services.shipping.domain.errors import (
    CarrierChoiceRefused,
    DispatchRefused,
    InvalidTrackingUpdate,
    NotYourShipment,
    ReceiptRefused,
    ShipmentNotFound,
    TrackingRefused,
    UnknownParcel,
)
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {
    ShipmentNotFound: 404,
    NotYourShipment: 403,
    DispatchRefused: 409,
    ReceiptRefused: 409,
    CarrierChoiceRefused: 409,
    SignatureRefused: 401,
    UnknownParcel: 404,
    TrackingRefused: 409,
    InvalidTrackingUpdate: 422,
}

create_app = service_app(
    bootstrap,
    [router, webhooks],
    ERRORS,
    title="Hallmark shipping",
    description="Shipping: quotes by weight and carrier, dispatch, signed carrier tracking, receipt.",
)
