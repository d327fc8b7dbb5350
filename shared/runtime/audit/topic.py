"""Reading a whole topic as it is now (every partition from the beginning to its end offset at the
start of the read) and a consumer group's committed offsets: what verification compares the stores with."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka import errors as Errors
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

from shared.events import PARTITIONS
from shared.runtime.audit.topiclog import PartitionLog, TopicLog, TopicRecord, value_digest

__all__ = ["TopicLog", "TopicRecord", "committed_offsets", "read_topic", "read_topics", "value_digest"]


PARTITION_BYTES = 4 << 20
"""Bytes per partition per fetch: a log comes in a stream of fetches, each parsed while the next is on
its way (the broker reads and sends the next while this process parses the last)."""
FETCH_BYTES = 32 << 20
PREFETCH_STEPS = 3

Fetched = dict[TopicPartition, bytes | None]
"""Partition -> the record batches one fetch brought."""


async def read_topic(bootstrap: str, topic: str, partitions: int = PARTITIONS, *, digests: bool = True) -> TopicLog:
    """Every record now on `topic`, partition by partition in offset order (see `read_topics`)."""
    return (await read_topics(bootstrap, [topic], {topic} if digests else set(), partitions))[topic]


async def read_topics(
    bootstrap: str, topics: list[str], digested: set[str], partitions: int = PARTITIONS
) -> dict[str, TopicLog]:
    """Every record now on each topic, partition by partition in offset order, those of the `digested`
    topics with their value's SHA-256 (a consumed topic's check needs none). The record batches are
    fetched as the broker stores them, for every topic at once, and read by aiokafka's compiled record
    parser into columns (`TopicLog`: no object per message), each fetch parsed while the next is on its way."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="hallmark-audit")
    await consumer.start()
    fetching: asyncio.Future[Fetched] | None = None
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(partitions)]
        # Nothing is assigned to the consumer: its own fetcher would otherwise long-poll the same broker
        # connection, and each fetch here would wait behind it (fetch_max_wait_ms).
        for topic in topics:
            await consumer._client._wait_on_metadata(topic)
        end = await consumer.end_offsets(tps)
        position = dict(await consumer.beginning_offsets(tps))
        found = {tp: PartitionLog(tp.partition) for tp in tps}
        after = {tp: offset - 1 for tp, offset in position.items()}
        stalled = 0
        first = {tp: at for tp, at in position.items() if at < end[tp]}
        fetching = asyncio.ensure_future(_fetch(consumer, first)) if first else None
        while fetching is not None:
            batches = {tp: _batches(data, tp) for tp, data in (await fetching).items()}
            advanced = [tp for tp, (_, upto) in batches.items() if upto > position[tp]]
            for tp in advanced:
                position[tp] = batches[tp][1]
            stalled = 0 if advanced else stalled + 1
            if stalled > 50:
                raise TimeoutError(f"{topics}: the broker returns nothing below the end offsets {end}")
            waiting = {tp: at for tp, at in position.items() if at < end[tp]}
            fetching = asyncio.ensure_future(_fetch(consumer, waiting)) if waiting else None
            for _ in range(PREFETCH_STEPS):  # let the next request go out before parsing this answer
                await asyncio.sleep(0)
            _parse_all(batches, end, after, found, digested)
        return {t: TopicLog(t, [found[TopicPartition(t, p)] for p in range(partitions)]) for t in topics}
    finally:
        if fetching is not None:  # a read that failed halfway
            fetching.cancel()
        await consumer.stop()


async def _fetch(consumer: AIOKafkaConsumer, positions: dict[TopicPartition, int]) -> Fetched:
    client = consumer._client  # the consumer's connections, for fetches of whole record batches
    by_leader: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
    for tp, offset in positions.items():
        topics = by_leader.setdefault(client.cluster.leader_for_partition(tp), {})
        topics.setdefault(tp.topic, []).append((tp.partition, offset, PARTITION_BYTES))
    requests = [(node, FetchRequest(0, 1, FETCH_BYTES, 0, list(topics.items()))) for node, topics in by_leader.items()]
    fetched: Fetched = {}
    for response in await asyncio.gather(*(client.send(node, request) for node, request in requests)):
        for topic, answered in response.topics:
            for partition, error_code, _, *rest in answered:
                if error_code:
                    raise Errors.for_code(error_code)(f"{topic}[{partition}]")
                fetched[TopicPartition(topic, partition)] = rest[-1]
    return fetched


def _batches(data: bytes | None, tp: TopicPartition) -> tuple[list[Any], int]:
    """The complete record batches of a fetch (CRC checked; control batches left out) and the offset
    after them; their records are read later."""
    found: list[Any] = []
    upto = 0
    if not data:
        return found, upto
    records = MemoryRecords(data)
    while records.has_next():
        batch = records.next_batch()
        if batch is None:
            break
        if not batch.validate_crc():
            raise Errors.CorruptRecordException(f"invalid CRC in {tp.topic}[{tp.partition}] at {batch.base_offset}")
        if not batch.is_control_batch:
            found.append(batch)
        upto = batch.next_offset
    return found, upto


def _parse_all(
    batches: dict[TopicPartition, tuple[list[Any], int]],
    end: dict[TopicPartition, int],
    after: dict[TopicPartition, int],
    found: dict[TopicPartition, PartitionLog],
    digested: set[str],
) -> None:
    """Append the records of the batches with offsets in (after, end) to `found`, moving `after` on."""
    for tp, (parts, _) in batches.items():
        log, stop, last, digest = found[tp], end[tp], after[tp], tp.topic in digested
        for batch in parts:
            last = log.add_batch(batch, last, stop, digest)
        after[tp] = last


async def committed_offsets(bootstrap: str, group: str, attempts: int = 10) -> dict[tuple[str, int], int]:
    """(topic, partition) -> the next offset the consumer group will read (what it has acknowledged).
    A broker that has never seen a consumer group has no coordinator yet; it gets one on request."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="hallmark-audit")
    await admin.start()
    try:
        for attempt in range(attempts):
            try:
                offsets = await admin.list_consumer_group_offsets(group)
            except GroupCoordinatorNotAvailableError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5)
                continue
            return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
        return {}
    finally:
        await admin.close()
