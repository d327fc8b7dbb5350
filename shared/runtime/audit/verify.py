"""`audit verify` for one service: (1) the chain, (2) store <-> topic, (3) consumed <-> tracked.

What is read when matters: the relay position and the consumer group's offsets first, then the topics,
then the store. So everything below the position was published before the topic was read (a missing one
is a gap, not a race), and everything the group acknowledged was tracked before the tracking is read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from shared.events import PARTITIONS
from shared.runtime import archive
from shared.runtime.audit.chaincheck import ChainChecker
from shared.runtime.audit.chainsql import ChainProof
from shared.runtime.audit.consumers import check_consumed
from shared.runtime.audit.findings import Report
from shared.runtime.audit.log import LogRow, highest, log_rows
from shared.runtime.audit.reconcile import Stored, check_topic
from shared.runtime.audit.topic import TopicRecord, committed_offsets, read_topic
from shared.runtime.chain import LogTables, log_tables
from shared.runtime.positions import read_position
from shared.runtime.service import Runtime
from shared.runtime.translate import envelope_for


def consumer_group(runtime: Runtime[Any]) -> str:
    """The Faust app id of the service's worker (its consumer group)."""
    return f"{runtime.settings.platform.topic_prefix}hallmark-{runtime.name}"


async def verify(runtime: Runtime[Any]) -> Report:
    report = Report(runtime.name)
    tables = log_tables(runtime.app)
    if tables is None:
        report.notes.append("in-memory store: nothing to verify")
        return report
    bootstrap = runtime.settings.platform.kafka_bootstrap_servers
    position = await asyncio.to_thread(_relay_position, runtime)
    committed = await committed_offsets(bootstrap, consumer_group(runtime)) if runtime.consumes else {}
    proof = ChainProof(runtime.name)
    # The chain is proven (by PostgreSQL) while the topics are read; the events stored meanwhile after them.
    reads = [read_topic(bootstrap, runtime.topic)] + [read_topic(bootstrap, t, digests=False) for t in runtime.consumes]
    proving = asyncio.to_thread(_prove, runtime, tables, proof)
    read: list[list[TopicRecord]] = (await asyncio.gather(asyncio.gather(*reads), proving))[0]
    records = dict(zip([runtime.topic, *runtime.consumes], read, strict=True))
    await asyncio.to_thread(_check_store, runtime, tables, report, proof, position, records, committed)
    return report


def _relay_position(runtime: Runtime[Any]) -> int:
    with runtime.connect() as conn:
        return read_position(conn, f"relay:{runtime.topic}")


def _prove(runtime: Runtime[Any], tables: LogTables, proof: ChainProof) -> None:
    with runtime.connect() as conn:
        proof.extend(conn, tables, highest(conn, tables))


def _check_store(
    runtime: Runtime[Any],
    tables: LogTables,
    report: Report,
    proof: ChainProof,
    position: int,
    records: dict[str, list[TopicRecord]],
    committed: dict[tuple[str, int], int],
) -> None:
    with runtime.connect() as conn:
        last = highest(conn, tables)
        proof.extend(conn, tables, last)
        if proof.doubt:  # name every finding, link by link (the slow path, for a log with a fault)
            checker, stored = ChainChecker(runtime.name), dict[int, Stored]()
            checker.feed(_collect(log_rows(conn, tables, 0, last), stored))
            report.findings.extend(checker.findings)
            report.counts["events"] = checker.checked
            hashes: dict[int, bytes | None] = {n: s.hash for n, s in stored.items()}

            def details(ids: Iterable[int]) -> dict[int, Stored]:
                return {n: stored[n] for n in ids}
        else:
            report.counts["events"] = proof.checked
            hashes = dict(_chain_hashes(conn, tables, last))

            def details(ids: Iterable[int]) -> dict[int, Stored]:
                return _details(conn, tables, hashes, list(ids))

        report.counts["relay_position"] = position
        digests = archive.digests(conn)

        def publishes(ids: Iterable[int]) -> dict[int, str]:
            return _published_types(runtime, conn, tables, list(ids))

        check_topic(report, runtime.topic, hashes, records[runtime.topic], digests, position, publishes, details)
        names = [f"{t}:{p}" for t in runtime.consumes for p in range(PARTITIONS)]
        tracked = runtime.app.max_tracking_ids(names)
        dead = {
            (t, int(p), int(o))
            for t, p, o in conn.execute(
                'SELECT topic, partition, "offset" FROM hallmark_dead_letters WHERE consumer = %s', (runtime.name,)
            ).fetchall()
        }
    for topic in runtime.consumes:
        check_consumed(report, topic, records[topic], committed, tracked, dead, runtime.app.handles)


def _chain_hashes(conn: psycopg.Connection, tables: LogTables, last: int) -> list[tuple[int, bytes]]:
    query = sql.SQL("SELECT notification_id, hash FROM {} WHERE notification_id > 0 AND notification_id <= %s")
    with conn.cursor(binary=True) as cur:
        return cur.execute(query.format(tables.chain), (last,)).fetchall()


def _details(
    conn: psycopg.Connection, tables: LogTables, hashes: dict[int, bytes | None], ids: list[int]
) -> dict[int, Stored]:
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic FROM {} WHERE notification_id = ANY(%s)"
    ).format(tables.events)
    rows = conn.execute(query, (ids,)).fetchall()
    return {n: Stored(oid, version, topic or "", hashes.get(n)) for n, oid, version, topic in rows}


def _collect(rows: Iterator[LogRow], stored: dict[int, Stored]) -> Iterator[LogRow]:
    """Pass the log through to the chain check, keeping what check (2) needs of each event."""
    for row in rows:
        if row.notification_id > 0 and row.originator_id is not None and row.version is not None:
            stored[row.notification_id] = Stored(row.originator_id, row.version, row.topic or "", row.hash)
        yield row


def _published_types(
    runtime: Runtime[Any], conn: psycopg.Connection, tables: LogTables, ids: list[int]
) -> dict[int, str]:
    """Of the given notifications, which the translator publishes (as what): for events the relay has
    not handled under the archive (older than it, or skipped)."""
    found: dict[int, str] = {}
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
        "WHERE notification_id = ANY(%s)"
    ).format(tables.events)
    for start in range(0, len(ids), 5000):
        with conn.cursor(binary=True) as cur:
            rows = cur.execute(query, (ids[start : start + 5000],)).fetchall()
        for nid, oid, version, topic, state in rows:
            domain_event = runtime.app.mapper.to_domain_event(StoredEvent(oid, version, topic, state))
            outbound = runtime.spec.translate(domain_event)
            if outbound is not None:
                found[nid] = envelope_for(runtime.name, domain_event, outbound).event_type
    return found
