"""Audit endpoints every service has (auditor or ops; read-only): verification, the published log as
NDJSON, an aggregate replayed as of an instant under published event names, and an order's events (what
the orders service's trail gathers from each service)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response, StreamingResponse

from shared.runtime.audit.export import ndjson_chunks
from shared.runtime.audit.gather import order_events_body
from shared.runtime.audit.published import history
from shared.runtime.audit.verify import verify
from shared.runtime.http.deps import AsOf, Auditor, RuntimeDep
from shared.runtime.http.problems import problems
from shared.runtime.positions import read_position
from shared.runtime.service import Runtime
from shared.runtime.store import aggregate_state

router = APIRouter(prefix="/audit", tags=["audit"])


def _persistent(runtime: Runtime[Any]) -> None:
    """409 (documented on each route that calls it) on the in-memory store, which tests use."""
    if runtime.persistence != "postgres":
        raise HTTPException(409, "persistence: the in-memory store keeps no published log")


@router.get("/verify", responses=problems(409))
async def verify_log(runtime: RuntimeDep, _: Auditor) -> dict[str, Any]:
    """(1) the hash chain is unbroken, (2) every published event is on the topic in order (duplicates
    listed), (3) every consumed event is tracked. `ok` is false on any finding."""
    _persistent(runtime)
    return (await verify(runtime)).as_dict()


@router.get("/log/summary", responses=problems(409))
async def log_summary(runtime: RuntimeDep, _: Auditor) -> dict[str, Any]:
    """The notification ids the log spans now: `stored` (highest) and `published` (the relay's position)."""
    _persistent(runtime)

    def read() -> dict[str, Any]:
        with runtime.connect() as conn:
            return {
                "service": runtime.name,
                "topic": runtime.topic,
                "stored": runtime.app.max_notification_id(),
                "published": read_position(conn, f"relay:{runtime.topic}"),
            }

    return await asyncio.to_thread(read)


@router.get("/log", responses=problems(409))
def export_log(
    runtime: RuntimeDep,
    _: Auditor,
    first: Annotated[int, Query(alias="from", ge=1, description="first notification id")] = 1,
    last: Annotated[int, Query(alias="to", ge=0, description="last notification id (0, the default: all)")] = 0,
) -> StreamingResponse:
    """The published log in order as NDJSON: each line the envelope exactly as it went to Kafka."""
    _persistent(runtime)

    def chunks() -> Iterator[bytes]:
        with runtime.connect() as conn:
            yield from ndjson_chunks(conn, first, last or None)

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


@router.get("/aggregates/{aggregate_id}", responses=problems(404))
async def replay(aggregate_id: uuid.UUID, runtime: RuntimeDep, _: Auditor, as_of: AsOf) -> dict[str, Any]:
    """The aggregate as it was at `as_of` (default: now) and the events it was built from, under their
    published names and versions."""
    aggregate = await asyncio.to_thread(runtime.app.replay_as_of, aggregate_id, as_of)
    if aggregate is None:
        raise HTTPException(404, f"aggregate_id: nothing recorded for {aggregate_id} as of {as_of}")
    events = await asyncio.to_thread(history, runtime.app, runtime.name, runtime.spec.translate, aggregate_id, as_of)
    return {
        "service": runtime.name,
        "aggregate_id": str(aggregate_id),
        "type": type(aggregate).__name__,
        "version": aggregate.version,
        "as_of": as_of,
        "state": aggregate_state(aggregate),
        "events": events,
    }


@router.get("/orders/{order_id}/events", responses=problems(409))
async def order_events(order_id: str, runtime: RuntimeDep, _: Auditor) -> Response:
    """Every event this service published about one order, in order (envelopes as on Kafka), and how
    far its relay is behind (events stored but not yet published are not here yet)."""
    _persistent(runtime)

    return Response(await asyncio.to_thread(order_events_body, runtime, order_id), media_type="application/json")
