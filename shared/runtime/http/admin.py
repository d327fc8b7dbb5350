"""Admin (ops) and audit (auditor) endpoints every service has.

Who may call what (docs/operations.md has the same table, and a test keeps the two in step): ops
everything here; auditors read the positions, the clock, histories and replays (X2: they read
everything and change nothing), but not the dead letters or pending timers, which are ops' work
queues. `/metrics` (health.py) needs no token: it carries counts and lags, no business data."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from shared.runtime.audit import published
from shared.runtime.http.deps import AsOf, Auditor, Ops, OpsOrAuditor, RuntimeDep
from shared.runtime.http.problems import problems
from shared.runtime.store import aggregate_state

router = APIRouter(prefix="/admin", tags=["admin"])


MAX_ADVANCE_SECONDS = 10 * 365 * 86400
"""One advance moves the manual clock at most ten years."""
MAX_OFFSET_SECONDS = 100 * 365 * 86400
"""The manual clock runs at most a hundred years ahead of real time (dates stay well inside what
every process can represent)."""


class ClockAdvance(BaseModel):
    seconds: float = Field(
        gt=0,
        le=MAX_ADVANCE_SECONDS,
        allow_inf_nan=False,
        description="How far to move the manual clock forward (at most ten years at a time)",
    )


@router.get("/positions")
async def positions(runtime: RuntimeDep, _: OpsOrAuditor) -> dict[str, Any]:
    """Relay position and lag, the consumer position per topic:partition, and each log follower's
    position and lag (a confirmation e-mail stuck on an SMTP outage shows here)."""
    gauges = await asyncio.to_thread(runtime.store_gauges)
    consumers = await asyncio.to_thread(runtime.consumer_positions)
    followers = await asyncio.to_thread(runtime.follower_positions)
    return {"relay": {"topic": runtime.topic, **gauges}, "consumers": consumers, "followers": followers}


@router.get("/dlq")
async def dead_letters(
    runtime: RuntimeDep, _: Ops, status: str | None = Query("open", pattern="^(open|retried|skipped)$")
) -> list[dict[str, Any]]:
    """Dead letters of this service's consumers."""

    def read() -> list[dict[str, Any]]:
        with runtime.connect() as conn:
            return runtime.dead_letters.list(conn, status)

    return await asyncio.to_thread(read)


@router.post("/dlq/{letter_id}/retry", responses=problems(404, 409))
async def retry_dead_letter(letter_id: int, runtime: RuntimeDep, ops: Ops) -> dict[str, Any]:
    """Apply a dead letter again; resolved if it now applies."""

    def run() -> str:
        with runtime.connect() as conn:
            return runtime.consumer.retry_dead_letter(conn, letter_id, ops.subject)

    try:
        outcome = await asyncio.to_thread(run)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    if outcome not in ("applied", "duplicate", "ignored"):
        raise HTTPException(409, f"still failing: {outcome}")
    return {"id": letter_id, "outcome": outcome}


@router.post("/dlq/{letter_id}/skip", responses=problems(404))
async def skip_dead_letter(letter_id: int, runtime: RuntimeDep, ops: Ops) -> dict[str, Any]:
    """Mark a dead letter as handled without applying it."""

    def run() -> None:
        with runtime.connect() as conn:
            runtime.dead_letters.resolve(conn, letter_id, "skipped", ops.subject)

    try:
        await asyncio.to_thread(run)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return {"id": letter_id, "status": "skipped"}


@router.get("/timers")
async def pending_timers(runtime: RuntimeDep, _: Ops) -> list[dict[str, Any]]:
    """Durable timers not yet fired."""
    assert runtime.app.timers is not None
    return await asyncio.to_thread(runtime.app.timers.pending)


@router.get("/clock")
def clock_now(runtime: RuntimeDep, _: OpsOrAuditor) -> dict[str, Any]:
    """The service's current time and whether it is the manual clock."""
    return {"now": runtime.clock.now().isoformat(), "manual": getattr(runtime.clock, "manual", False)}


@router.post("/clock/advance", responses=problems(409))
def clock_advance(body: ClockAdvance, runtime: RuntimeDep, _: Ops) -> dict[str, Any]:
    """Move the manual clock forward (CLOCK=manual only, 409 otherwise); at most ten years at a time
    and a hundred years ahead in all (422, nothing written)."""
    advance = getattr(runtime.clock, "advance", None)
    if advance is None:
        raise HTTPException(409, "clock: the system clock cannot be moved (CLOCK=manual is off)")
    ahead = runtime.clock.offset().total_seconds() if hasattr(runtime.clock, "offset") else 0.0
    if ahead + body.seconds > MAX_OFFSET_SECONDS:
        message = f"the manual clock may run at most {MAX_OFFSET_SECONDS} s ahead; it is {ahead:.0f} s ahead already"
        raise HTTPException(422, [{"field": "seconds", "rule": "X1", "message": message}])
    return {"now": advance(body.seconds).isoformat(), "manual": True}


@router.get("/replay/{aggregate_id}", responses=problems(404))
async def replay(
    aggregate_id: uuid.UUID,
    runtime: RuntimeDep,
    _: Auditor,
    as_of: AsOf,
) -> dict[str, Any]:
    """Replay one aggregate from its events, as of an instant (read-only)."""
    aggregate = await asyncio.to_thread(runtime.app.replay_as_of, aggregate_id, as_of)
    if aggregate is None:
        raise HTTPException(404, f"aggregate_id: nothing recorded for {aggregate_id} as of {as_of}")
    return {"type": type(aggregate).__name__, "as_of": as_of, "state": aggregate_state(aggregate)}


@router.get("/history/{aggregate_id}", responses=problems(404))
async def history(aggregate_id: uuid.UUID, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """Every event of one aggregate, in order, with its metadata, under its published name and version
    (`event_type`, `schema_version`; `type` is the stored, internal name) (read-only)."""
    events = await asyncio.to_thread(published.history, runtime.app, runtime.name, runtime.spec.translate, aggregate_id)
    if not events:
        raise HTTPException(404, f"aggregate_id: nothing recorded for {aggregate_id}")
    return events
