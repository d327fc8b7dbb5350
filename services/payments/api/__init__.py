"""Payments HTTP API."""

from __future__ import annotations

from services.payments.adapters.providers import ProviderRejected, ProviderTimeout, ProviderUnavailable
from services.payments.api import vouchers
from services.payments.api.routes import router
from services.payments.bootstrap import bootstrap
from services.payments.domain import InvalidPayment, PaymentConflict, PaymentNotFound
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {
    InvalidPayment: 422,
    PaymentConflict: 409,
    PaymentNotFound: 404,
    ProviderTimeout: 504,
    ProviderUnavailable: 503,
    ProviderRejected: 502,
}


create_app = service_app(
    bootstrap,
    [router, vouchers.router],
    ERRORS,
    title="Hallmark payments",
    description="Card, PayPal, bank transfer with vouchers, deposits, refunds.",
    # the request fields a card number and a voucher's bytes arrive in
    fields={"card.number": "source", "voucher.size": "file", "voucher.content_type": "file"},
)
