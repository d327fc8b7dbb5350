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
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared.runtime.http import admin, audit, health
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
) -> AppFactory:
    """The service's app factory: `create_app(runtime=None)` (tests pass a runtime, uvicorn does not)."""

    def create_app(runtime: Runtime[Any] | None = None) -> FastAPI:
        runtime = runtime or bootstrap()
        configure_logging(runtime.name, runtime.settings.platform.log_level)
        return create_api(runtime, routers, errors, title=title, description=description)

    return create_app


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "(body)"


def create_api(
    runtime: Runtime[Any], routers: list[APIRouter], errors: ErrorMap, *, title: str, description: str = ""
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

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": "(body)" if e["type"] == "json_invalid" else _field(tuple(e["loc"])),
                "rule": e["type"],
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    for exc_type, status in errors.items():

        def make(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
            async def handle(_: Request, exc: Exception) -> JSONResponse:
                field = getattr(exc, "field", None)
                rule = getattr(exc, "rule", None)
                body = {"detail": [{"field": field, "rule": rule, "message": str(exc)}]}
                return JSONResponse(body, status_code=status_code)

            return handle

        api.add_exception_handler(exc_type, make(status))

    api.include_router(health.router)
    api.include_router(admin.router)
    api.include_router(audit.router)
    for router in routers:
        api.include_router(router)
    return api
