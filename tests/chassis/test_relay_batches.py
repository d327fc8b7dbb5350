"""The relay in full batches on the real PostgreSQL store and broker: the next batch is read while the
last one is acknowledged and recorded; every notification is published once (in order within a
partition) with the bytes the archive keeps, and a batch read ahead is dropped (not published, not
skipped) when the relay stops."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from aiokafka.partitioner import DefaultPartitioner

from shared.events import PARTITIONS
from shared.runtime import archive
from shared.runtime.kafka import reliable_producer
from shared.runtime.relay import OutboxRelay
from tests.chassis.test_audit_verify import check, orders_with, relay_position
from tests.infra import Harness
from tests.kafka_helpers import read_all


def relay_in_batches(runtime: Any, size: int, *, stop_after: int | None = None) -> list[int]:
    """Pump in batches of `size` until the log is published (or after `stop_after` batches, then stop
    as the run loop does after a failed step); the count of each batch."""

    async def run() -> list[int]:
        producer = reliable_producer(runtime.settings.platform.kafka_bootstrap_servers, "relay-batches")
        await producer.start()
        relay = OutboxRelay(runtime.app, runtime.spec.translate, runtime.topic, producer, runtime.settings.dsn)
        relay.batch_size = size
        counts: list[int] = []
        try:
            assert await asyncio.to_thread(relay._try_lead)
            while (stop_after is None or len(counts) < stop_after) and (n := await relay.pump_once()):
                counts.append(n)
        finally:
            relay.close()
            await producer.stop()
        return counts

    return asyncio.run(run())


def test_full_batches_publish_every_notification_once_in_order_with_the_archived_bytes(harness: Harness) -> None:
    orders = orders_with(harness, 4)
    stored = orders.app.max_notification_id()
    counts = relay_in_batches(orders, 3)
    assert sum(counts) == stored and set(counts[:-1]) == {3}
    records = read_all(harness.infra.bootstrap, orders.topic)
    ids = [int(dict(r.headers)["notification_id"]) for r in records]
    assert len(ids) == len(set(ids)) == 4  # the four OrderPlaced, once each
    partitioner = DefaultPartitioner()
    for r in records:  # where a plain `send` puts its key: an order's events share a partition
        assert r.partition == partitioner(r.key, list(range(PARTITIONS)), list(range(PARTITIONS)))
    for partition in {r.partition for r in records}:  # in log order where Kafka keeps an order
        in_partition = [int(dict(r.headers)["notification_id"]) for r in records if r.partition == partition]
        assert in_partition == sorted(in_partition)
    with psycopg.connect(orders.settings.dsn) as conn:
        archived = {a.notification_id: bytes(a.envelope) for a in archive.stream(conn, 1, None)}
    assert {int(dict(r.headers)["notification_id"]): r.value for r in records} == archived
    assert relay_position(orders) == stored
    assert check(orders).ok


def test_a_batch_read_ahead_is_dropped_when_the_relay_stops_and_published_by_the_next_leader(
    harness: Harness,
) -> None:
    orders = orders_with(harness, 4)
    assert relay_in_batches(orders, 3, stop_after=1) == [3]  # the second batch was read ahead, then dropped
    assert relay_position(orders) == 3
    relay_in_batches(orders, 3)
    ids = [int(dict(r.headers)["notification_id"]) for r in read_all(harness.infra.bootstrap, orders.topic)]
    assert len(ids) == len(set(ids)) == 4
    assert relay_position(orders) == orders.app.max_notification_id()
    report = check(orders)
    assert report.ok and not report.duplicates, report.as_dict()
