"""The outbox archive: for every notification the relay has handled, the exact bytes it published (or
nothing, for an event that does not leave the service), written in the transaction that records the
relay's position (like the timer index). Export streams it; the trail finds an order's events in it by
order id; verification compares it with the topic and tells "not published by design" from "skipped"."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from shared.events import Envelope

TABLE = "hallmark_published"
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    notification_id bigint PRIMARY KEY,
    event_id uuid,
    event_type text,
    schema_version int,
    order_id text,
    occurred_at timestamptz,
    envelope bytea
);
CREATE INDEX IF NOT EXISTS {TABLE}_order ON {TABLE} (order_id, notification_id) WHERE order_id IS NOT NULL;
"""

Published = tuple[int, Envelope, bytes]
"""(notification id, envelope, the value bytes sent to Kafka). Only the envelope's metadata is read here:
the relay's carries an empty payload (`shared.events.registry.wrap_json`), the bytes the whole of it."""


@dataclass(frozen=True)
class Archived:
    notification_id: int
    envelope: bytes


def record_published(conn: psycopg.Connection, handled: Sequence[int], published: Sequence[Published]) -> None:
    """Keep what the relay published, and which notifications it handled without publishing (a
    republish after a crash writes the same rows again: kept once). One statement for the whole batch
    (arrays unnested in PostgreSQL): a row per statement cost the relay more than its Kafka sends."""
    by_id = {n: (e, value) for n, e, value in published}
    ids = sorted({*handled, *by_id})
    if not ids:
        return
    columns: list[list[Any]] = [[], [], [], [], [], []]
    for n in ids:
        found = by_id.get(n)
        values = (None,) * 6 if found is None else _archived_columns(*found)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    conn.execute(_INSERT, (ids, *columns))


def _archived_columns(e: Envelope, value: bytes) -> tuple[Any, ...]:
    return (e.event_id, e.event_type, e.schema_version, e.order_id, e.occurred_at, value)


_INSERT = sql.SQL(
    "INSERT INTO {} (notification_id, event_id, event_type, schema_version, order_id, occurred_at, envelope) "
    "SELECT * FROM unnest(%b::int8[], %b::uuid[], %b::text[], %b::int4[], %b::text[], %b::timestamptz[], %b::bytea[]) "
    "ON CONFLICT (notification_id) DO NOTHING"
).format(sql.Identifier(TABLE))


def stream(conn: psycopg.Connection, first: int, last: int | None, size: int = 5000) -> Iterator[Archived]:
    """The archived envelopes with notification ids in [first, last], in order, read in pages."""
    position = first - 1
    stop = last if last is not None else 2**62
    query = sql.SQL(
        "SELECT notification_id, envelope FROM {} WHERE notification_id > %s AND notification_id <= %s "
        "AND envelope IS NOT NULL ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(TABLE))
    while True:
        with conn.cursor(binary=True) as cur:
            rows = cur.execute(query, (position, stop, size)).fetchall()
        for notification_id, envelope in rows:
            yield Archived(notification_id, envelope)
        if len(rows) < size:
            return
        position = rows[-1][0]


def of_order(conn: psycopg.Connection, order_id: str) -> list[Archived]:
    """Every archived envelope that concerns one order, in notification order."""
    rows = conn.execute(
        f"SELECT notification_id, envelope FROM {TABLE} WHERE order_id = %s ORDER BY notification_id", (order_id,)
    ).fetchall()
    return [Archived(n, bytes(e)) for n, e in rows]


def digests(conn: psycopg.Connection) -> dict[int, bytes | None]:
    """Notification id -> SHA-256 of the archived envelope (None: handled, not published)."""
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(f"SELECT notification_id, sha256(envelope) FROM {TABLE}").fetchall()
    return dict(rows)


def newest(conn: psycopg.Connection) -> tuple[int, datetime] | None:
    row = conn.execute(
        f"SELECT notification_id, occurred_at FROM {TABLE} ORDER BY notification_id DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), row[1]) if row else None
