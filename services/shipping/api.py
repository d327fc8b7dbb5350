"""Shipping HTTP API: the chassis endpoints (health, metrics, admin, audit) so far."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.runtime.http.app import create_api
from shared.runtime.logs import configure_logging
from shared.runtime.service import Runtime


def create_app(runtime: Runtime[Any] | None = None) -> FastAPI:
    from services.shipping.bootstrap import bootstrap

    runtime = runtime or bootstrap()
    configure_logging("shipping", runtime.settings.platform.log_level)
    return create_api(
        runtime,
        [],
        {},
        title="Hallmark shipping",
        description="Shipping: quotes by weight and carrier, dispatch and tracking.",
    )
