"""Reading a service's notification log beside its hash chain, in pages of notification ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from psycopg import sql

from shared.runtime.chain import LogTables


@dataclass(frozen=True, slots=True)
class LogRow:
    """One notification id as the store has it: the event (None if absent) and its chain hash (None if absent)."""

    notification_id: int
    originator_id: uuid.UUID | None
    version: int | None
    topic: str | None
    state: bytes | None
    hash: bytes | None


def highest(conn: psycopg.Connection, tables: LogTables) -> int:
    row = conn.execute(
        sql.SQL("SELECT greatest((SELECT max(notification_id) FROM {}), (SELECT max(notification_id) FROM {}))").format(
            tables.events, tables.chain
        )
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def log_rows(
    conn: psycopg.Connection, tables: LogTables, first: int = 0, last: int | None = None, page: int = 20_000
) -> Iterator[LogRow]:
    """Every notification id in [first, last] that has an event or a chain hash, in order."""
    top = highest(conn, tables) if last is None else last
    events_query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
        "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id"
    ).format(tables.events)
    chain_query = sql.SQL(
        "SELECT notification_id, hash FROM {} WHERE notification_id > %s AND notification_id <= %s"
    ).format(tables.chain)
    position = first - 1
    while position < top:
        upper = min(position + page, top)
        with conn.cursor(binary=True) as cur:
            events = cur.execute(events_query, (position, upper)).fetchall()
            hashes: dict[int, bytes] = dict(cur.execute(chain_query, (position, upper)).fetchall())
        rows = [
            LogRow(nid, oid, version, topic, state, hashes.pop(nid, None)) for nid, oid, version, topic, state in events
        ]
        if hashes:  # chain hashes whose event is gone: put back in their place
            rows.extend(LogRow(nid, None, None, None, None, h) for nid, h in hashes.items())
            rows.sort(key=lambda r: r.notification_id)
        yield from rows
        position = upper
