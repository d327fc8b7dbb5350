"""Payments HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from services.payments.adapters.providers import ProviderRejected, ProviderTimeout, ProviderUnavailable
from services.payments.api.routes import router
from services.payments.application import PaymentsApplication
from services.payments.domain import InvalidPayment, PaymentConflict, PaymentNotFound
from shared.runtime.logs import configure_logging
from shared.runtime.service import Runtime

ERRORS: dict[type[Exception], int] = {
    InvalidPayment: 422,
    PaymentConflict: 409,
    PaymentNotFound: 404,
    ProviderTimeout: 504,
    ProviderUnavailable: 503,
    ProviderRejected: 502,
}


def create_app(runtime: Runtime[PaymentsApplication] | None = None) -> FastAPI:
    from services.payments.bootstrap import bootstrap
    from shared.runtime.http.app import create_api

    runtime = runtime or bootstrap()
    configure_logging("payments", runtime.settings.platform.log_level)
    return create_api(
        runtime,
        [router],
        ERRORS,
        title="Hallmark payments",
        description="Card, PayPal, bank transfer with vouchers, deposits, refunds.",
    )
