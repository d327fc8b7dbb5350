"""Gathering an order's trail: this service's events from its own archive, the others' over their
audit APIs (`GET /audit/orders/{id}/events`, with the caller's token), concurrently."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import httpx
from psycopg import sql
from psycopg.rows import tuple_row
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.events import SERVICES
from shared.runtime import archive
from shared.runtime.audit.trail import entries, gaps, merge
from shared.runtime.chain import log_tables
from shared.runtime.service import Runtime

DEFAULT_PORTS = {service: 8001 + i for i, service in enumerate(SERVICES)}


class AuditSettings(BaseSettings):
    """Where the other services' audit APIs are (the orders trail reads them), and how long a hop may take."""

    model_config = SettingsConfigDict(extra="ignore")

    audit_peers: str = Field(
        default="",
        description="service=url,... of every service's API (default: 127.0.0.1:8001-8005, as `make up`)",
    )
    audit_reaction_sla_seconds: float = Field(
        default=300, gt=0, description="How long a service may take to react to an event before the trail flags a gap"
    )

    def peers(self) -> dict[str, str]:
        given = dict(p.split("=", 1) for p in self.audit_peers.split(",") if "=" in p)
        return {s: given.get(s, f"http://127.0.0.1:{DEFAULT_PORTS[s]}").rstrip("/") for s in SERVICES}


def peer_client(state: Any) -> httpx.AsyncClient:
    """One client per API process (kept on the app's state), so trails reuse connections."""
    client: httpx.AsyncClient | None = getattr(state, "audit_client", None)
    if client is None:
        client = state.audit_client = httpx.AsyncClient(timeout=10)
    return client


_ORDER_EVENTS = """SELECT (SELECT max(notification_id) FROM {events}),
    (SELECT position FROM hallmark_positions WHERE name = %s),
    (SELECT string_agg(envelope, ','::bytea ORDER BY notification_id) FROM {archive} WHERE order_id = %s)"""


def order_events_body(runtime: Runtime[Any], order_id: str) -> bytes:
    """This service's `/audit/orders/{id}/events` answer: the archived envelopes spliced in as stored,
    found by the archive's order index, in one round trip on a pooled connection."""
    tables = log_tables(runtime.app)
    if tables is None:  # the in-memory store keeps no archive
        return json.dumps({"service": runtime.name, "relay_lag": 0, "events": []}).encode()
    query = sql.SQL(_ORDER_EVENTS).format(events=tables.events, archive=sql.Identifier(archive.TABLE))
    with runtime.app.recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, (f"relay:{runtime.topic}", order_id)).fetchone()
    stored, published, envelopes = row or (0, 0, None)
    head = {"service": runtime.name, "relay_lag": max((stored or 0) - (published or 0), 0)}
    return json.dumps(head)[:-1].encode() + b', "events": [' + bytes(envelopes or b"") + b"]}"


async def gather_trail(
    runtime: Runtime[Any],
    order_id: str,
    authorization: str,
    settings: AuditSettings | None = None,
    client: httpx.AsyncClient | None = None,
) -> dict[str, Any]:
    """The trail; `client` (kept by the caller) reuses its connections to the other services."""
    settings = settings or AuditSettings()
    started = time.perf_counter()
    peers = {s: url for s, url in settings.peers().items() if s != runtime.name}
    events: list[dict[str, Any]] = []
    services: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []

    async def own() -> None:
        found, lag = entries(runtime.name, await asyncio.to_thread(order_events_body, runtime, order_id))
        events.extend(found)
        services[runtime.name] = {"events": len(found), "relay_lag": lag}

    async def peer(client: httpx.AsyncClient, service: str, url: str) -> None:
        try:
            response = await client.get(
                f"{url}/audit/orders/{order_id}/events", headers={"authorization": authorization}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            services[service] = {"error": str(exc) or type(exc).__name__}
            problems.append(
                {"kind": "service_unreachable", "service": service, "message": f"{service}'s audit API: {exc!r}"}
            )
            return
        found, lag = entries(service, response.content)
        events.extend(found)
        services[service] = {"events": len(found), "relay_lag": lag}

    if client is None:
        async with httpx.AsyncClient(timeout=10) as own_client:
            await asyncio.gather(own(), *(peer(own_client, s, u) for s, u in peers.items()))
    else:
        await asyncio.gather(own(), *(peer(client, s, u) for s, u in peers.items()))
    trail = merge(events)
    now = runtime.clock.now()
    found_gaps = problems + gaps(trail, now, timedelta(seconds=settings.audit_reaction_sla_seconds))
    return {
        "order_id": order_id,
        "as_of": now.isoformat(),
        "services": dict(sorted(services.items())),
        "events": trail,
        "gaps": found_gaps,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
