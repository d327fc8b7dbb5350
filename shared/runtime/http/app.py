"""The FastAPI app factory every service uses: middleware, error mapping, chassis routers.

A service's `api/__init__.py` is one call: `create_app = service_app(bootstrap, [router], ERRORS, ...)`;
uvicorn runs `services.<name>.api:create_app` as a factory."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.runtime.http import admin, audit, health, openapi, problems
from shared.runtime.http.shortcut import ViewShortcut
from shared.runtime.http.views import CurrentViews, NewestVersions
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
    shortcuts: Mapping[str, str] | None = None,
) -> AppFactory:
    """The service's app factory: `create_app(runtime=None)` (tests pass a runtime, uvicorn does not).

    `errors` maps domain errors to statuses; `fields` renames their fields to request fields;
    `shortcuts` maps a path prefix to the route (path) whose cached views answer GETs under it
    without FastAPI (shortcut.py)."""

    def create_app(runtime: Runtime[Any] | None = None) -> FastAPI:
        runtime = runtime or bootstrap()
        platform = runtime.settings.platform
        configure_logging(runtime.name, platform.log_level, platform.log_repeat_seconds)
        return create_api(
            runtime, routers, errors, title=title, description=description, fields=fields, shortcuts=shortcuts
        )

    return create_app


class Correlate:
    """Per request: the correlation id (from `x-correlation-id` or new, echoed in the response), the
    latency histogram and the request log line. A plain ASGI middleware: Starlette's `@app.middleware`
    (BaseHTTPMiddleware) runs each request through a task group and memory streams, which cost more CPU
    than the GET it wrapped."""

    def __init__(self, app: ASGIApp, runtime: Runtime[Any]) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-correlation-id"), None)
        cid = given.decode("latin-1") if given else str(uuid.uuid4())
        token = correlation_id_var.set(cid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-correlation-id", cid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            path = getattr(scope.get("route"), "path", "unmatched")
            metrics = self.runtime.metrics
            metrics.http_latency.labels(self.runtime.name, scope["method"], path, str(status)).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )
            correlation_id_var.reset(token)


def create_api(
    runtime: Runtime[Any],
    routers: list[APIRouter],
    errors: ErrorMap,
    *,
    title: str,
    description: str = "",
    fields: Mapping[str, str] | None = None,
    shortcuts: Mapping[str, str] | None = None,
) -> FastAPI:
    versions = NewestVersions(runtime.app, runtime.settings.dsn if runtime.persistence == "postgres" else None)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        versions.close()

    api = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    api.state.runtime = runtime
    api.state.views = CurrentViews(versions)  # the read routes' cached responses (views.py)
    runtime.metrics.registry.register(
        StoreCollector(
            runtime.name, runtime.store_gauges, runtime.follower_positions if runtime.spec.followers else None
        )
    )

    for prefix, route in (shortcuts or {}).items():  # inside Correlate (added later: outer)
        api.add_middleware(ViewShortcut, runtime=runtime, views=api.state.views, prefix=prefix, route=route)
    api.add_middleware(Correlate, runtime=runtime)
    problems.install(api, errors, fields)
    api.include_router(health.router)
    api.include_router(admin.router)
    api.include_router(audit.router)
    for router in routers:
        api.include_router(router)
    api.openapi = lambda: openapi.document(api)  # type: ignore[method-assign]
    return api
