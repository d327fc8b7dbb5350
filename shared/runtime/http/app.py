"""The FastAPI app factory every service uses: middleware, error mapping, chassis routers.

A service's `api/__init__.py` is one call: `create_app = service_app(bootstrap, [router], ERRORS, ...)`;
uvicorn runs `services.<name>.api:create_app` as a factory."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from shared.runtime.http import admin, audit, health, openapi, problems
from shared.runtime.logs import configure_logging, correlation_id_var
from shared.runtime.metrics import StoreCollector
from shared.runtime.service import Runtime

log = logging.getLogger("hallmark.http")
ErrorMap = Mapping[type[Exception], int]
AppFactory = Callable[..., FastAPI]


def service_app(
    bootstrap: Callable[[], Runtime[Any]],
    routers: list[APIRouter],
    errors: ErrorMap,
    *,
    title: str,
    description: str = "",
    fields: Mapping[str, str] | None = None,
) -> AppFactory:
    """The service's app factory: `create_app(runtime=None)` (tests pass a runtime, uvicorn does not).

    `errors` maps domain errors to statuses; `fields` renames their fields to request fields."""

    def create_app(runtime: Runtime[Any] | None = None) -> FastAPI:
        runtime = runtime or bootstrap()
        platform = runtime.settings.platform
        configure_logging(runtime.name, platform.log_level, platform.log_repeat_seconds)
        return create_api(runtime, routers, errors, title=title, description=description, fields=fields)

    return create_app


def create_api(
    runtime: Runtime[Any],
    routers: list[APIRouter],
    errors: ErrorMap,
    *,
    title: str,
    description: str = "",
    fields: Mapping[str, str] | None = None,
) -> FastAPI:
    api = FastAPI(title=title, description=description, version="0.1.0")
    api.state.runtime = runtime
    runtime.metrics.registry.register(
        StoreCollector(
            runtime.name, runtime.store_gauges, runtime.follower_positions if runtime.spec.followers else None
        )
    )

    @api.middleware("http")
    async def correlate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        cid = request.headers.get("x-correlation-id") or str(uuid.uuid4())
        token = correlation_id_var.set(cid)
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["x-correlation-id"] = cid
            return response
        finally:
            elapsed = time.perf_counter() - start
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")
            runtime.metrics.http_latency.labels(runtime.name, request.method, path, str(status)).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )
            correlation_id_var.reset(token)

    problems.install(api, errors, fields)
    api.include_router(health.router)
    api.include_router(admin.router)
    api.include_router(audit.router)
    for router in routers:
        api.include_router(router)
    api.openapi = lambda: openapi.document(api)  # type: ignore[method-assign]
    return api
