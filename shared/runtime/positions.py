"""Small bookkeeping tables the chassis keeps beside the event store, in the service's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

DDL = """
CREATE TABLE IF NOT EXISTS hallmark_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS hallmark_dead_letters (
    id bigserial PRIMARY KEY,
    consumer text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    notification_id bigint,
    key bytea,
    value bytea NOT NULL,
    headers jsonb NOT NULL DEFAULT '[]',
    error text NOT NULL,
    status text NOT NULL DEFAULT 'open',
    resolved_by text,
    resolved_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer, topic, partition, "offset")
);
CREATE TABLE IF NOT EXISTS hallmark_timers (
    timer_id uuid PRIMARY KEY,
    kind text NOT NULL,
    target text NOT NULL,
    due_at timestamptz NOT NULL,
    fired boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS hallmark_timers_due ON hallmark_timers (due_at) WHERE NOT fired;
"""


@contextmanager
def ddl_lock(dsn: str) -> Iterator[None]:
    """Serialise schema changes across processes starting at once (concurrent CREATE TABLE IF NOT
    EXISTS fails in PostgreSQL with 'tuple concurrently updated')."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('hallmark-ddl'))")
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('hallmark-ddl'))")


def ensure_tables(dsn: str) -> None:
    with ddl_lock(dsn), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)


def read_position(conn: psycopg.Connection, name: str) -> int:
    row = conn.execute("SELECT position FROM hallmark_positions WHERE name = %s", (name,)).fetchone()
    return int(row[0]) if row else 0


def write_position(conn: psycopg.Connection, name: str, position: int) -> None:
    conn.execute(
        "INSERT INTO hallmark_positions (name, position) VALUES (%s, %s) "
        "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
        (name, position),
    )
