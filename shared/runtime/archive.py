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
"""(notification id, envelope, the value bytes sent to Kafka)."""


@dataclass(frozen=True)
class Archived:
    notification_id: int
    envelope: bytes


def record_published(conn: psycopg.Connection, handled: Sequence[int], published: Sequence[Published]) -> None:
    """Keep what the relay published, and which notifications it handled without publishing (a
    republish after a crash writes the same rows again: kept once)."""
    sent = {n for n, _, _ in published}
    rows: list[tuple[Any, ...]] = [
        (n, e.event_id, e.event_type, e.schema_version, e.order_id, e.occurred_at, value) for n, e, value in published
    ]
    rows += [(n, None, None, None, None, None, None) for n in handled if n not in sent]
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {TABLE} (notification_id, event_id, event_type, schema_version, order_id, occurred_at, "
            "envelope) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (notification_id) DO NOTHING",
            rows,
        )


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
