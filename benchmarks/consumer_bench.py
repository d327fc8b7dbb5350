"""The tracked consumer against a raw aiokafka consumer that inserts the same messages into
PostgreSQL in one transaction per batch; and Faust's agent against a raw aiokafka consumer that only
reads them (`benchmarks.agent_bench`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.measure import Run, Timed, repeat_async, report
from benchmarks.store_bench import PostgresCpu, postgres_pid
from shared.events import PARTITIONS, wrap
from shared.events.inventory import ReservedLine, StockReserved
from shared.runtime.kafka import reliable_producer
from shared.runtime.messages import Incoming

BATCH = 200  # the worker's consumer_batch_size


def stock_reserved(order_id: str, i: int) -> bytes:
    payload = StockReserved(
        order_id=order_id, lines=[ReservedLine(sku="B-1", asked=1, reserved=1, short=0)], reserved_at=datetime.now(UTC)
    )
    return wrap("StockReserved", payload, occurred_at=datetime.now(UTC), correlation_id=f"bench-{i}").to_json()


async def produce(bootstrap: str, topic: str, orders: list[str]) -> None:
    """One StockReserved per order, keyed by order, with the relay's headers (ids rise per partition)."""
    producer = reliable_producer(bootstrap, "bench-produce")
    await producer.start()
    try:
        futures = []
        for i, order_id in enumerate(orders, start=1):
            headers = [("notification_id", str(i).encode()), ("event_type", b"StockReserved")]
            value = stock_reserved(order_id, i)
            futures.append(await producer.send(topic, value, key=order_id.encode(), headers=headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, n: int, handle: Any) -> Run:
    """Read `n` messages from the start of `topic` in batches of up to BATCH per partition fetch, handing
    each batch to `handle`; timed from the first batch to the last handled."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=1 << 20
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        await consumer.seek_to_beginning()
        seen, timer = 0, None
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH)
            if timer is None and batches:
                timer = Timed().__enter__()
            for records in batches.values():
                await handle(records)
                seen += len(records)
        assert timer is not None
        timer.__exit__()
        return Run(n, timer.seconds, timer.cpu)
    finally:
        await consumer.stop()


def incoming(record: Any) -> Incoming:
    headers = tuple((k, bytes(v)) for k, v in record.headers or ())
    return Incoming(record.topic, record.partition, record.offset, record.key, bytes(record.value), headers)


async def bench_consumer(runtime: Any, bootstrap: str, topics: list[str], n: int) -> float:
    """Each run applies `n` StockReserved messages (one per order placed beforehand, not timed) from its
    own topic through the tracked consumer, as the worker does; the raw consumer inserts the same
    messages (value, key, headers' id) with one executemany per batch, in one transaction."""
    app = runtime.app
    for i, topic in enumerate(topics):
        orders = [str(app.place_order(f"bench-{i}-{k}", [("B-1", 1)])) for k in range(n)]
        await produce(bootstrap, topic, orders)
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (topic text, partition int, id bigint, key bytea, body bytea)"
        )
        conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS bench_raw_id ON bench_raw (topic, partition, id)")
        conn.execute("TRUNCATE bench_raw")

    async def tracked(i: int) -> Run:
        async def handle(records: list[Any]) -> None:
            result = await runtime.consumer.handle([incoming(r) for r in records])
            assert not result.dead, result.dead[:1]

        return await consume(bootstrap, topics[i], n, handle)

    aconn = await psycopg.AsyncConnection.connect(runtime.settings.dsn)

    async def raw(i: int) -> Run:
        async def handle(records: list[Any]) -> None:
            rows = [(r.topic, r.partition, int(dict(r.headers)["notification_id"]), r.key, r.value) for r in records]
            async with aconn.transaction(), aconn.cursor() as cursor:
                await cursor.executemany("INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s)", rows)

        return await consume(bootstrap, topics[i], n, handle)

    print(f"tracked consumer, {n} StockReserved into orders (decode, load the order, apply, record with tracking)")
    server = postgres_pid(runtime.settings.dsn)
    on_tracked, on_raw = PostgresCpu(server), PostgresCpu(server)

    async def measured(cpu: PostgresCpu, run: Any, i: int) -> Run:
        before = cpu.total()
        result: Run = await run(i)
        cpu.samples.append((cpu.total() - before) / n * 1e6)
        return result

    try:
        part = await repeat_async(lambda i: measured(on_tracked, tracked, i))
        baseline = await repeat_async(lambda i: measured(on_raw, raw, i))
    finally:
        await aconn.close()
    ratio = report("tracked consumer", part, "raw aiokafka consumer, batch insert per tx", baseline, 0.5)
    print(f"  PostgreSQL CPU: tracked consumer {on_tracked.line()}; raw consumer {on_raw.line()}\n")
    return ratio
