"""`audit export`: a service's published log as NDJSON, each line the envelope exactly as it went to
Kafka. The archive keeps those bytes, so each page of them is fetched in binary and joined into one
NDJSON chunk as it is: no envelope or JSON object is decoded or encoded on the way out. (Joining them
in PostgreSQL with `string_agg` measured at half the speed: benchmarks/audit.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from psycopg import sql

from shared.runtime import archive

PAGE = 10_000
"""Envelopes per chunk."""

_QUERY = """
SELECT envelope FROM {archive}
WHERE notification_id >= %s AND notification_id <= %s AND envelope IS NOT NULL
ORDER BY notification_id
"""


def ndjson_chunks(conn: psycopg.Connection, first: int, last: int | None, page: int = PAGE) -> Iterator[bytes]:
    """The archived envelopes with notification ids in [first, last] in order, as NDJSON chunks of up
    to `page` lines.

    One query through a server-side cursor (in a transaction, as such a cursor needs): the export is one
    snapshot of the log (the query's), and PostgreSQL plans and scans once. (Pages of `> last id ... LIMIT
    n`, one query each, were planned on whatever statistics the archive had: right after a burst of writes,
    before autovacuum's ANALYZE, each page scanned the whole table: ~10 us of PostgreSQL's CPU per exported
    event against ~1.)"""
    query = sql.SQL(_QUERY).format(archive=sql.Identifier(archive.TABLE))
    stop = last if last is not None else 2**62
    with conn.transaction(), conn.cursor(name="hallmark_export", binary=True) as cur:
        cur.execute(query, (first, stop))
        while rows := cur.fetchmany(page):
            yield b"\n".join([envelope for (envelope,) in rows]) + b"\n"
