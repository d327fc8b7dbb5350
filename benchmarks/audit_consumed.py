"""Check (3) on a consumed topic for `benchmarks.audit`: the inventory service consumes the orders topic
of N OrderPlaced events; its consumer group is made to have acknowledged them all and its tracking to
cover them all (as after it consumed them), so every message is checked. Timed: check (3) message by
message (before) and in bulk (after) on the topic as read, and the inventory's whole verify."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from psycopg import sql

from shared.runtime.audit.consumers import check_consumed, check_consumed_log
from shared.runtime.audit.findings import Report
from shared.runtime.audit.topic import TopicLog, read_topic
from shared.runtime.audit.verify import consumer_group, verify


def acknowledge_all(orders: Any, inventory: Any) -> TopicLog:
    """The orders topic as read (no digests); inventory's group committed at its end, tracking at the top."""
    bootstrap = orders.settings.platform.kafka_bootstrap_servers
    log = asyncio.run(read_topic(bootstrap, orders.topic, digests=False))
    recorder = inventory.app.recorder
    table = sql.Identifier(recorder.datastore.schema or "public", recorder.tracking_table_name)
    with psycopg.connect(inventory.settings.dsn, autocommit=True) as conn:
        for part in log.partitions:
            if part.ids:
                conn.execute(
                    sql.SQL("INSERT INTO {} (application_name, notification_id) VALUES (%s, %s)").format(table),
                    (f"{orders.topic}:{part.partition}", max(int(i or 0) for i in part.ids)),
                )

    async def commit() -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=consumer_group(inventory))
        await consumer.start()
        try:
            ends = {TopicPartition(orders.topic, p.partition): p.offsets[-1] + 1 for p in log.partitions if p.offsets}
            consumer.assign(list(ends))
            await consumer.commit({tp: OffsetAndMetadata(end, "") for tp, end in ends.items()})
        finally:
            await consumer.stop()

    asyncio.run(commit())
    return log


def _inputs(inventory: Any, log: TopicLog) -> tuple[Any, ...]:
    topic = log.topic
    committed = {(topic, p.partition): p.offsets[-1] + 1 for p in log.partitions if p.offsets}
    tracked = inventory.app.max_tracking_ids([f"{topic}:{p.partition}" for p in log.partitions])
    return committed, tracked, set(), inventory.app.handles


def check3_by_message(inventory: Any, log: TopicLog, n: int) -> float:
    """Before: a record per message, each checked."""
    committed, tracked, dead, handles = _inputs(inventory, log)
    report = Report("inventory")
    t0 = time.perf_counter()
    check_consumed(report, log.topic, log.records(), committed, tracked, dead, handles)
    seconds = time.perf_counter() - t0
    assert report.ok and report.counts["consumed_checked"] == n, report.as_dict()
    return seconds


def check3_in_bulk(inventory: Any, log: TopicLog, n: int) -> float:
    """After: each partition's columns checked at once."""
    committed, tracked, dead, handles = _inputs(inventory, log)
    report = Report("inventory")
    t0 = time.perf_counter()
    check_consumed_log(report, log, committed, tracked, dead, handles)
    seconds = time.perf_counter() - t0
    assert report.ok and report.counts["consumed_checked"] == n, report.as_dict()
    return seconds


def verify_consumer(inventory: Any, n: int) -> float:
    """The inventory's whole verify: its own (empty) log, and check (3) over the N consumed events."""
    t0 = time.perf_counter()
    report = asyncio.run(verify(inventory))
    seconds = time.perf_counter() - t0
    assert report.ok and report.counts["consumed_checked"] == n, report.as_dict()
    return seconds
