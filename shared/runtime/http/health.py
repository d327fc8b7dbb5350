"""/livez, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from shared.runtime.http.deps import RuntimeDep
from shared.runtime.kafka import kafka_reachable

router = APIRouter(tags=["health"])
_kafka_cache: dict[str, tuple[float, bool]] = {}


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, dict[str, Any]] = Field(description="postgres, relay_lag, kafka: each `ok` and its figures")


@router.get("/livez", response_model=Liveness)
def livez() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _kafka_ok(bootstrap: str) -> bool:
    cached = _kafka_cache.get(bootstrap)
    if cached and time.monotonic() - cached[0] < 2.0:
        return cached[1]
    ok = await kafka_reachable(bootstrap)
    _kafka_cache[bootstrap] = (time.monotonic(), ok)
    return ok


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "Not ready"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready when PostgreSQL and Kafka answer and the relay lag is under its threshold."""
    checks: dict[str, Any] = {}
    try:
        gauges = await asyncio.to_thread(runtime.store_gauges)
        checks["postgres"] = {"ok": True}
        threshold = runtime.settings.relay_lag_ready_threshold
        checks["relay_lag"] = {
            "ok": gauges["relay_lag"] <= threshold,
            "lag": gauges["relay_lag"],
            "threshold": threshold,
        }
    except Exception as exc:
        checks["postgres"] = {"ok": False, "error": str(exc)}
        checks["relay_lag"] = {"ok": False, "error": "unknown without the database"}
    checks["kafka"] = {"ok": await _kafka_ok(runtime.settings.platform.kafka_bootstrap_servers)}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"description": "Prometheus text exposition format", "content": {"text/plain": {}}}},
)
def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus exposition (text). No token: counts, lags and latencies, no business data."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
