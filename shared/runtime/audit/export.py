"""`audit export`: a service's published log as NDJSON, each line the envelope exactly as it went to
Kafka. The archive keeps those bytes, so PostgreSQL joins each page of them into one NDJSON chunk:
no row, envelope or JSON object is built in Python on the way out."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from psycopg import sql

from shared.runtime import archive

PAGE = 10_000
"""Envelopes per chunk."""

_PAGE_QUERY = """
SELECT count(*), max(notification_id), string_agg(envelope, '\\x0a'::bytea ORDER BY notification_id) || '\\x0a'::bytea
FROM (SELECT notification_id, envelope FROM {archive}
      WHERE notification_id > %s AND notification_id <= %s AND envelope IS NOT NULL
      ORDER BY notification_id LIMIT %s) page
"""


def ndjson_chunks(conn: psycopg.Connection, first: int, last: int | None, page: int = PAGE) -> Iterator[bytes]:
    """The archived envelopes with notification ids in [first, last] in order, as NDJSON chunks of up
    to `page` lines."""
    query = sql.SQL(_PAGE_QUERY).format(archive=sql.Identifier(archive.TABLE))
    position, stop = first - 1, last if last is not None else 2**62
    while True:
        with conn.cursor(binary=True) as cur:
            row = cur.execute(query, (position, stop, page)).fetchone()
        count, top, chunk = row if row else (0, None, None)
        if count:
            yield bytes(chunk)
        if count < page:
            return
        position = top
