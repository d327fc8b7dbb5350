"""Check (1) in the database, for the clean case: every link of the chain is recomputed by PostgreSQL
(SHA-256 in C over the stored bytes, the same canonical bytes as `shared.runtime.chain`), and only
whether all of them hold comes back. A log with any doubt (a broken, missing or extra link) is then
checked again link by link in Python (`ChainChecker`), which names each finding."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from shared.runtime.chain import GENESIS_ID, LogTables, genesis

_CHECK = """
WITH log AS MATERIALIZED (
    SELECT notification_id AS nid, e.notification_id IS NOT NULL AS present, c.hash,
        sha256(int8send(e.notification_id) || uuid_send(e.originator_id) || int8send(e.originator_version::bigint)
            || int4send(octet_length(convert_to(coalesce(e.topic, ''), 'UTF8')))
            || convert_to(coalesce(e.topic, ''), 'UTF8') || coalesce(e.state, ''::bytea)) AS digest
    FROM (SELECT * FROM {events} WHERE notification_id BETWEEN %(first)s AND %(last)s) e
    FULL JOIN (SELECT * FROM {chain} WHERE notification_id BETWEEN %(first)s AND %(last)s) c USING (notification_id)
), linked AS MATERIALIZED (
    SELECT nid, present, hash, digest, lag(hash) OVER (ORDER BY nid) AS previous FROM log
)
SELECT
    (SELECT count(*) FROM linked WHERE nid > %(first)s AND present),
    (SELECT count(*) FROM linked WHERE nid > %(first)s AND NOT coalesce(
        present AND sha256(previous || digest) = hash, false)),
    (SELECT hash = %(anchor)s FROM linked WHERE nid = %(first)s),
    (SELECT nid FROM linked ORDER BY nid DESC LIMIT 1),
    (SELECT hash FROM linked ORDER BY nid DESC LIMIT 1)
"""


@dataclass
class ChainProof:
    """How far the chain has been proven unbroken (from the genesis), and whether any doubt was seen."""

    service: str
    checked: int = 0
    upto: int = GENESIS_ID
    hash: bytes | None = None
    doubt: bool = False

    def extend(self, conn: psycopg.Connection, tables: LogTables, last: int) -> None:
        """Prove the links in (upto, last]; on any doubt, stop proving (`doubt`)."""
        if self.doubt or (last <= self.upto and self.hash is not None):
            return
        anchor = self.hash if self.hash is not None else genesis(self.service)
        query = sql.SQL(_CHECK).format(events=tables.events, chain=tables.chain)
        with conn.cursor(binary=True) as cur:
            row = cur.execute(query, {"first": self.upto, "last": last, "anchor": anchor}).fetchone()
        assert row is not None
        events, broken, anchored, top, top_hash = row
        if broken or not anchored:
            self.doubt = True
            return
        self.checked += events
        self.upto, self.hash = top, bytes(top_hash)
