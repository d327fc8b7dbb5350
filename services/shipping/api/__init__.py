"""Shipping HTTP API: the chassis endpoints (health, metrics, admin, audit) so far."""

from __future__ import annotations

from services.shipping.bootstrap import bootstrap
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {}

create_app = service_app(
    bootstrap,
    [],
    ERRORS,
    title="Hallmark shipping",
    description="Shipping: quotes by weight and carrier, dispatch and tracking.",
)
