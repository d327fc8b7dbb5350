"""Reading and writing topics directly, for tests that check what is on the broker."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events import PARTITIONS


async def _read_all(bootstrap: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        records: list[Any] = []
        while True:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= end[tp] for pos, tp in zip(positions, tps, strict=True)):
                break
            batch = await consumer.getmany(timeout_ms=1000)
            for items in batch.values():
                records.extend(items)
        return records
    finally:
        await consumer.stop()


def read_all(bootstrap: str, topic: str) -> list[Any]:
    """Every record on `topic` right now, from the beginning."""
    return asyncio.run(_read_all(bootstrap, topic))


async def _produce(bootstrap: str, topic: str, items: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value, headers in items:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def produce(bootstrap: str, topic: str, items: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    asyncio.run(_produce(bootstrap, topic, items))


async def _committed(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
    finally:
        await admin.close()


def committed(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """The consumer group's committed offsets."""
    return asyncio.run(_committed(bootstrap, group))


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
