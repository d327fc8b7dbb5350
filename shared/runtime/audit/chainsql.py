"""Check (1) in the database, for the clean case: every link of the chain is recomputed by PostgreSQL
(SHA-256 in C over the stored bytes, the same canonical bytes as `shared.runtime.chain`), and only
whether all of them hold comes back. A log with any doubt (a broken, missing or extra link) is then
checked again link by link in Python (`ChainChecker`), which names each finding."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from shared.runtime.chain import GENESIS_ID, LogTables, digest_sql, genesis

_CHECK = """
SELECT count(*),
    count(*) FILTER (WHERE NOT coalesce(sha256(coalesce(previous, %(anchor)s) || digest) = hash, false)),
    max(nid),
    (SELECT count(*) FROM {chain} c WHERE c.notification_id > %(first)s AND c.notification_id <= %(last)s)
        - count(hash),
    (SELECT hash = %(anchor)s FROM {chain} WHERE notification_id = %(first)s)
FROM (
    SELECT nid, hash, digest, lag(hash) OVER (ORDER BY nid) AS previous
    FROM (
        SELECT e.notification_id AS nid, c.hash,
            {digest} AS digest
        FROM {events} e LEFT JOIN {chain} c USING (notification_id)
        WHERE e.notification_id > %(first)s AND e.notification_id <= %(last)s
        ORDER BY e.notification_id OFFSET 0
    ) narrow
) linked
"""
"""Over the events in (first, last]: how many, how many break their link (the first one's predecessor
is the anchor: the genesis or the last link proven), the highest; the chain rows with no event (those in
the range less those joined to an event: `hash` is never null); whether the anchor is still what it was.
The digests are made in the join's order (both tables read by their primary key), so the window needs no
sort (which spilled to disk at 100,000 events) and no anti-join looks for the chain rows without an event:
about a sixth less of PostgreSQL's CPU per proof."""
_HASH = "SELECT hash FROM {chain} WHERE notification_id = %s"


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
        query = sql.SQL(_CHECK).format(events=tables.events, chain=tables.chain, digest=sql.SQL(digest_sql("e")))
        with conn.cursor(binary=True) as cur:
            row = cur.execute(query, {"first": self.upto, "last": last, "anchor": anchor}).fetchone()
            assert row is not None
            events, broken, top, orphans, anchored = row
            if broken or orphans or not anchored:
                self.doubt = True
                return
            if top is None:  # no event in the range
                return
            found = cur.execute(sql.SQL(_HASH).format(chain=tables.chain), (top,)).fetchone()
        assert found is not None
        self.checked += events
        self.upto, self.hash = top, bytes(found[0])
