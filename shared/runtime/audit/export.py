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

_PAGE_QUERY = """
SELECT notification_id, envelope FROM {archive}
WHERE notification_id > %s AND notification_id <= %s AND envelope IS NOT NULL
ORDER BY notification_id LIMIT %s
"""


def ndjson_chunks(conn: psycopg.Connection, first: int, last: int | None, page: int = PAGE) -> Iterator[bytes]:
    """The archived envelopes with notification ids in [first, last] in order, as NDJSON chunks of up
    to `page` lines."""
    query = sql.SQL(_PAGE_QUERY).format(archive=sql.Identifier(archive.TABLE))
    position, stop = first - 1, last if last is not None else 2**62
    while True:
        with conn.cursor(binary=True) as cur:
            rows = cur.execute(query, (position, stop, page)).fetchall()
        if rows:
            yield b"\n".join([envelope for _, envelope in rows]) + b"\n"
        if len(rows) < page:
            return
        position = rows[-1][0]
