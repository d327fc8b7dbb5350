"""Reading a whole topic as it is now (every partition from the beginning to its end offset at the
start of the read) and a consumer group's committed offsets: what verification compares the stores with."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from shared.events import PARTITIONS
from shared.runtime.chain import CHAIN_HEADER


@dataclass(frozen=True, slots=True)
class TopicRecord:
    partition: int
    offset: int
    notification_id: int | None
    event_type: str | None
    chain_hash: str | None
    value_digest: bytes


def value_digest(value: bytes) -> bytes:
    """SHA-256 of a message value (to compare the topic with the archive without keeping the bytes)."""
    return hashlib.sha256(value).digest()


def _record(message: object) -> TopicRecord:
    headers = dict(getattr(message, "headers", None) or ())
    raw_id = headers.get("notification_id", b"").decode(errors="replace")
    event_type = headers.get("event_type")
    chain = headers.get(CHAIN_HEADER)
    return TopicRecord(
        partition=message.partition,  # type: ignore[attr-defined]
        offset=message.offset,  # type: ignore[attr-defined]
        notification_id=int(raw_id) if raw_id.isdigit() else None,
        event_type=event_type.decode(errors="replace") if event_type is not None else None,
        chain_hash=chain.decode(errors="replace") if chain is not None else None,
        value_digest=value_digest(message.value or b""),  # type: ignore[attr-defined]
    )


async def read_topic(bootstrap: str, topic: str, partitions: int = PARTITIONS) -> list[TopicRecord]:
    """Every record now on `topic`, partition by partition in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        client_id="hallmark-audit",
        max_partition_fetch_bytes=8 << 20,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        records: list[TopicRecord] = []
        remaining = {tp for tp in tps if end[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=10_000)
            for tp, items in batch.items():
                records.extend(_record(m) for m in items if m.offset < end[tp])
            for tp in list(remaining):
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        records.sort(key=lambda r: (r.partition, r.offset))
        return records
    finally:
        await consumer.stop()


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
