"""`audit verify` for one service: (1) the chain, (2) store <-> topic, (3) consumed <-> tracked.

What is read when matters: the relay position first, then the topics and the consumer group's offsets,
then the store's tracking. So everything below the position was published before the topic was read (a
missing one is a gap, not a race), and everything the group acknowledged was tracked before the tracking
is read. The chain is proven while the topics are read (PostgreSQL does it; `storeview`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from shared.events import PARTITIONS
from shared.runtime import archive
from shared.runtime.audit.consumers import check_consumed_log
from shared.runtime.audit.findings import Report
from shared.runtime.audit.reconcile import Stored, check_topic, clean
from shared.runtime.audit.storeview import StoreView
from shared.runtime.audit.topic import TopicLog, committed_offsets, read_topics
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
    # Two connections (autocommit: each statement sees what is stored then): the chain is proven on one
    # while the hashes and digests are read on the other.
    async with contextlib.AsyncExitStack() as opened:
        conn, other = [opened.enter_context(await asyncio.to_thread(_connect, runtime.settings.dsn)) for _ in range(2)]
        position = await asyncio.to_thread(read_position, conn, f"relay:{runtime.topic}")
        view = StoreView(runtime.name, tables, position)
        # The store is read (the chain proven by PostgreSQL) while the topics and the group's offsets are
        # read; what was stored meanwhile after them. (An offset committed after the topic was read only
        # covers messages this check does not see; the tracking is read after the offsets.)
        topics = [runtime.topic, *runtime.consumes]
        records, committed, _, _ = await asyncio.gather(
            read_topics(bootstrap, topics, {runtime.topic}),
            _committed(bootstrap, runtime),
            asyncio.to_thread(view.prove, conn, False),
            asyncio.to_thread(view.fetch, other, False),
        )
        await asyncio.to_thread(_check_store, runtime, conn, view, report, records, committed)
    return report


def _connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True, connect_timeout=3)


async def _committed(bootstrap: str, runtime: Runtime[Any]) -> dict[tuple[str, int], int]:
    return await committed_offsets(bootstrap, consumer_group(runtime)) if runtime.consumes else {}


def _check_store(
    runtime: Runtime[Any],
    conn: psycopg.Connection,
    view: StoreView,
    report: Report,
    records: dict[str, TopicLog],
    committed: dict[tuple[str, int], int],
) -> None:
    view.read(conn, final=True)
    report.findings.extend(view.findings)
    if not archive.digest_kept(conn):
        report.notes.append(f"{archive.TABLE}.digest is no longer generated from the envelope: digests recomputed")
    report.counts["events"] = view.checked
    report.counts["relay_position"] = view.position

    def publishes(ids: Iterable[int]) -> dict[int, str]:
        return _published_types(runtime, conn, view.tables, list(ids))

    def details(ids: Iterable[int]) -> dict[int, Stored]:
        return view.details(conn, ids)

    topic = runtime.topic
    pending = clean(records[topic], view.hashes, view.digests, view.position)
    if pending is None:  # something differs: message by message, naming each finding
        records_of = records[topic].records()
        check_topic(report, topic, view.hashes, records_of, view.digests, view.position, publishes, details)
    else:
        report.counts.update(topic_messages=len(records[topic]), republished_duplicates=0, relay_pending=pending)
    names = [f"{t}:{p}" for t in runtime.consumes for p in range(PARTITIONS)]
    tracked = runtime.app.max_tracking_ids(names)
    dead = {
        (t, int(p), int(o))
        for t, p, o in conn.execute(
            'SELECT topic, partition, "offset" FROM hallmark_dead_letters WHERE consumer = %s', (runtime.name,)
        ).fetchall()
    }
    for consumed in runtime.consumes:
        check_consumed_log(report, records[consumed], committed, tracked, dead, runtime.app.handles)


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
