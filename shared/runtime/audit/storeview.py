"""What verification reads of a service's store, in two passes: the first while the topics are read
(the chain proven up to the highest notification id then, and meanwhile on a second connection its hashes
and the archive's digests up to the relay's position, which are final), the second after them (the same
for what was stored or archived meanwhile). A log with any doubt about its chain is read link by link
instead (`slow`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from shared.runtime import archive
from shared.runtime.audit.chaincheck import ChainChecker
from shared.runtime.audit.chainsql import ChainProof
from shared.runtime.audit.findings import Finding
from shared.runtime.audit.log import LogRow, highest, log_rows
from shared.runtime.audit.reconcile import Stored
from shared.runtime.chain import LogTables


@dataclass
class StoreView:
    service: str
    tables: LogTables
    position: int
    """The relay's position, read before the topics."""
    proof: ChainProof = field(init=False)
    hashes: dict[int, bytes | None] = field(default_factory=dict)
    """Notification id -> chain hash of every stored event (None: unchained)."""
    digests: dict[int, bytes | None] = field(default_factory=dict)
    """Notification id -> SHA-256 of the archived envelope (None: handled, not published)."""
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0
    checked_upto: int = 0
    """The chain hashes are read up to here."""
    _stored: dict[int, Stored] | None = None
    _digested_above: int = -1

    def __post_init__(self) -> None:
        self.proof = ChainProof(self.service)

    def read(self, conn: psycopg.Connection, final: bool) -> None:
        """Read what is stored now (`final`: the pass after the topics were read)."""
        self.prove(conn, final)
        self.fetch(conn, final)

    def prove(self, conn: psycopg.Connection, final: bool) -> None:
        """The chain proven by PostgreSQL up to the highest notification id now; on any doubt, in the final
        pass, every link read and checked here instead (naming each finding)."""
        last = highest(conn, self.tables)
        self.proof.extend(conn, self.tables, last)
        if not self.proof.doubt:
            self.checked = self.proof.checked
        elif final:
            self._slow(conn, last)

    def fetch(self, conn: psycopg.Connection, final: bool) -> None:
        """The chain hashes up to the highest notification id now and the archive's digests up to the relay's
        position (`final`: all). Independent of `prove`, so the two may run at once on two connections."""
        last = highest(conn, self.tables)
        if not (final and self.proof.doubt):  # else `_slow` has read every hash
            self.hashes.update(_chain_hashes(conn, self.tables, self.checked_upto, last))
            self.checked_upto = max(self.checked_upto, last)
        upto = 2**62 if final else self.position
        self.digests.update(_digests(conn, self._digested_above, upto))
        self._digested_above = upto

    def details(self, conn: psycopg.Connection, ids: Iterable[int]) -> dict[int, Stored]:
        """What the store has of these events (for the findings that name them)."""
        if self._stored is not None:
            return {n: self._stored[n] for n in ids}
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic FROM {} WHERE notification_id = ANY(%s)"
        ).format(self.tables.events)
        rows = conn.execute(query, (list(ids),)).fetchall()
        return {n: Stored(oid, version, topic or "", self.hashes.get(n)) for n, oid, version, topic in rows}

    def _slow(self, conn: psycopg.Connection, last: int) -> None:
        """Name every finding, link by link (the slow path, for a log with a fault)."""
        checker, stored = ChainChecker(self.service), dict[int, Stored]()
        checker.feed(_collect(log_rows(conn, self.tables, 0, last), stored))
        self.findings, self.checked, self._stored = checker.findings, checker.checked, stored
        self.hashes = {n: s.hash for n, s in stored.items()}


def _chain_hashes(conn: psycopg.Connection, tables: LogTables, above: int, last: int) -> Iterable[tuple[int, bytes]]:
    query = sql.SQL(
        "SELECT array_agg(notification_id), array_agg(hash) FROM {} "
        "WHERE notification_id > %s AND notification_id <= %s"
    )
    return _columns(conn, query.format(tables.chain), (max(above, 0), last))


def _digests(conn: psycopg.Connection, above: int, upto: int) -> Iterable[tuple[int, bytes | None]]:
    query = sql.SQL(
        "SELECT array_agg(notification_id), array_agg({}) FROM {} WHERE notification_id > %s AND notification_id <= %s"
    ).format(archive.digest_sql(conn), sql.Identifier(archive.TABLE))
    return _columns(conn, query, (above, upto))


def _columns(conn: psycopg.Connection, query: sql.Composed, bounds: tuple[int, int]) -> Iterable[tuple[Any, Any]]:
    """(notification id, value) pairs read as two arrays (a third of the work of a row per id here)."""
    with conn.cursor(binary=True) as cur:
        row = cur.execute(query, bounds).fetchone()
    return zip(row[0], row[1], strict=True) if row and row[0] is not None else ()


def _collect(rows: Iterator[LogRow], stored: dict[int, Stored]) -> Iterator[LogRow]:
    """Pass the log through to the chain check, keeping what check (2) needs of each event."""
    for row in rows:
        if row.notification_id > 0 and row.originator_id is not None and row.version is not None:
            stored[row.notification_id] = Stored(row.originator_id, row.version, row.topic or "", row.hash)
        yield row
