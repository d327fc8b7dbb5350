"""Kafka plumbing shared by the relay, the DLQ publisher, readiness checks and the launcher."""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events import PARTITIONS, all_topics


def reliable_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    """Idempotent producer, acks from all in-sync replicas."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=15_000,
    )


async def create_topics(bootstrap: str, partitions: int = PARTITIONS, topics: list[str] | None = None) -> list[str]:
    """Create the system's topics with a fixed partition count; existing ones are left alone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="hallmark-admin")
    await admin.start()
    try:
        wanted = topics or all_topics()
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
        return missing
    finally:
        await admin.close()


async def wait_for_topics(bootstrap: str, topics: list[str], within_seconds: float = 30.0) -> None:
    """Poll metadata until every topic has its leaders (a deadline, not a sleep)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="hallmark-admin")
    await admin.start()
    try:
        deadline = time.monotonic() + within_seconds
        while True:
            described = await admin.describe_topics(topics)
            ready = all(
                d.get("error_code", 0) == 0
                and d.get("partitions")
                and all(p.get("leader", -1) >= 0 for p in d["partitions"])
                for d in described
            )
            if ready:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics not ready: {topics}")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def kafka_reachable(bootstrap: str, within_seconds: float = 3.0) -> bool:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="hallmark-health", request_timeout_ms=int(within_seconds * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), within_seconds)
        await asyncio.wait_for(admin.list_topics(), within_seconds)
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


Message = tuple[bytes, bytes, list[tuple[str, bytes]]]
"""(key, value, headers) of one record."""


async def send_batched(producer: AIOKafkaProducer, topic: str, messages: list[Message]) -> list[asyncio.Future[Any]]:
    """Send `messages` in order through the producer's batch API: one record batch per partition (more
    when one fills), not one `send` per message (a third less CPU per message). Each key goes to the
    partition Kafka's default partitioner picks (`partition_for`, as `send` would), so an order's
    events stay in one partition, in order; the futures resolve when the batches are acknowledged."""
    partitions = len(await producer.partitions_for(topic))
    builders: dict[int, Any] = {}
    futures = []
    for key, value, headers in messages:
        partition = partition_for(key, partitions)
        builder = builders.get(partition)
        if builder is None or builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
            if builder is not None:  # full: send it, start the partition's next batch
                futures.append(await producer.send_batch(builder, topic, partition=partition))
            builder = builders[partition] = producer.create_batch()
            if builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
                raise ValueError(f"a record of {len(value)} bytes does not fit in an empty batch")
    for partition, builder in builders.items():
        futures.append(await producer.send_batch(builder, topic, partition=partition))
    return futures


_M = 0x5BD1E995
_WORD = struct.Struct("<I")


def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner for a keyed record (the Java client's and aiokafka's):
    `murmur2(key) & 0x7fffffff % partitions`."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def murmur2(data: bytes) -> int:
    """Kafka's MurmurHash2 (seed 0x9747b28c), unsigned: aiokafka's, with the words unpacked at once."""
    length = len(data)
    body = length & ~3
    h = 0x9747B28C ^ length
    for (k,) in _WORD.iter_unpack(data[:body]):
        k = (k * _M) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * _M) & 0xFFFFFFFF
        h = ((h * _M) & 0xFFFFFFFF) ^ k
    tail = length & 3
    if tail == 3:
        h ^= data[body + 2] << 16
    if tail >= 2:
        h ^= data[body + 1] << 8
    if tail >= 1:
        h = ((h ^ data[body]) * _M) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * _M) & 0xFFFFFFFF
    return h ^ (h >> 15)
