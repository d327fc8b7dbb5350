"""`make bench`: the outbox relay against a raw aiokafka producer, and the tracked consumer against
raw PostgreSQL inserts, on a local Kafka and PostgreSQL (or KAFKA_BOOTSTRAP_SERVERS/DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from services.orders.bootstrap import bootstrap
from services.orders.domain import cancellation
from services.orders.domain.catalogue import CatalogueEntry
from services.orders.settings import OrdersSettings
from shared.events import wrap
from shared.events.inventory import ReservedLine, StockReserved
from shared.runtime.kafka import create_topics, reliable_producer, wait_for_topics
from shared.runtime.messages import Incoming
from shared.runtime.relay import OutboxRelay
from shared.runtime.settings import PlatformSettings
from tools.launcher.stack import Ports, Stack, StackConfig

N = int(os.environ.get("BENCH_EVENTS", "3000"))


def report(name: str, n: int, seconds: float, baseline_name: str, baseline: float) -> None:
    rate, base_rate = n / seconds, n / baseline
    print(f"{name:<44} {rate:>9.0f} events/s  ({seconds:.2f}s for {n})")
    print(f"{baseline_name:<44} {base_rate:>9.0f} events/s  ({baseline:.2f}s for {n})")
    print(f"{'ratio (hallmark / raw)':<44} {rate / base_rate:>9.2f}\n")


async def bench_relay(runtime, bootstrap_servers: str) -> None:  # type: ignore[no-untyped-def]
    app = runtime.app
    app.save(CatalogueEntry(sku="B-1", name="b", unit_price_minor=100, currency="USD", moq=1, weight_grams=1))
    for start in range(0, N, 500):  # store N OrderPlaced events (not timed)
        for _ in range(min(500, N - start)):
            app.place_order("bench", [("B-1", 1)])
    producer = reliable_producer(bootstrap_servers, "bench-relay")
    await producer.start()
    relay = OutboxRelay(app, runtime.spec.translate, runtime.topic, producer, runtime.settings.dsn, batch_size=500)
    assert await asyncio.to_thread(relay._try_lead)
    t0 = time.perf_counter()
    while await relay.pump_once():
        pass
    relay_seconds = time.perf_counter() - t0
    relay.close()
    # Raw baseline: the same number of similar-sized messages, same producer settings.
    sample = b"x" * 700
    await create_topics(bootstrap_servers, topics=[runtime.topic + ".raw"])
    await wait_for_topics(bootstrap_servers, [runtime.topic + ".raw"])
    t0 = time.perf_counter()
    futures = [await producer.send(runtime.topic + ".raw", sample, key=b"k%d" % (i % 64)) for i in range(N)]
    await asyncio.gather(*futures)
    raw_seconds = time.perf_counter() - t0
    await producer.stop()
    report("outbox relay (read log, publish, record)", N, relay_seconds, "raw aiokafka producer", raw_seconds)


def envelope(order_id: str, i: int) -> bytes:
    payload = StockReserved(
        order_id=order_id, lines=[ReservedLine(sku="B-1", asked=1, reserved=1, short=0)], reserved_at=datetime.now(UTC)
    )
    return wrap("StockReserved", payload, occurred_at=datetime.now(UTC), correlation_id=f"bench-{i}").to_json()


def bench_consumer(runtime) -> None:  # type: ignore[no-untyped-def]
    app = runtime.app
    orders = [str(app.place_order("bench", [("B-1", 1)])) for _ in range(N)]
    messages = [
        Incoming("inventory.events", 0, i, o.encode(), envelope(o, i), (("notification_id", str(i + 1).encode()),))
        for i, o in enumerate(orders)
    ]
    t0 = time.perf_counter()
    for start in range(0, N, 200):
        runtime.consumer.apply_batch(messages[start : start + 200])
    tracked = time.perf_counter() - t0
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigint PRIMARY KEY, body bytea)")
        t0 = time.perf_counter()
        for i, message in enumerate(messages):
            with conn.transaction():
                conn.execute("INSERT INTO bench_raw VALUES (%s, %s)", (i, message.value))
        raw = time.perf_counter() - t0
    report("tracked consumer (decode, apply, track)", N, tracked, "raw psycopg insert, 1 tx per message", raw)


def bench_replay(runtime) -> None:  # type: ignore[no-untyped-def]
    """Issue goal: replay an order with 1,000 events and quote its cancellation terms in < 20 ms."""
    app = runtime.app
    order_id = app.place_order("bench-replay", [("B-1", 1)])
    for i in range(999):
        app.change_order(order_id, "am-bench", f"change {i}", [("B-1", 1 + i % 3)])
    assert app.get_order(order_id).version == 1000
    runs = 30
    middle = app.domain_events(order_id)[499].timestamp
    assert app.cancellation_terms(order_id, middle) == cancellation.quote(app.domain_events(order_id), middle)
    timings = {}
    for name, call in [
        ("quote now (snapshot + tail)", lambda: app.cancellation_terms(order_id, None)),
        ("quote at the 500th event's instant (bisect)", lambda: app.cancellation_terms(order_id, middle)),
        ("same, pure fold of all 1,000 events", lambda: cancellation.quote(app.domain_events(order_id), middle)),
        ("load the order (snapshot + tail)", lambda: app.get_order(order_id)),
    ]:
        call()
        t0 = time.perf_counter()
        for _ in range(runs):
            call()
        timings[name] = (time.perf_counter() - t0) / runs * 1000
    table = sql.Identifier(app.recorder.events_table_name)
    query = sql.SQL("SELECT state FROM {} WHERE originator_id = %s ORDER BY originator_version").format(table)
    with psycopg.connect(runtime.settings.dsn) as conn:
        t0 = time.perf_counter()
        for _ in range(runs):
            rows = conn.execute(query, (order_id,)).fetchall()
            [json.loads(bytes(r[0])) for r in rows]
        raw = (time.perf_counter() - t0) / runs * 1000
    print(f"order with 1,000 events, mean of {runs} runs (goal: quote < 20 ms)")
    for name, ms in timings.items():
        print(f"  {name:<44} {ms:>8.2f} ms")
    print(f"  {'raw: SELECT 1,000 rows + json.loads':<44} {raw:>8.2f} ms")
    print(f"  {'ratio (quote now / raw)':<44} {timings['quote now (snapshot + tail)'] / raw:>8.2f}\n")


def main() -> None:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL")
    stack = Stack(
        StackConfig(
            name="bench",
            ports=Ports.offset(29600),
            start_services=False,
            durable=False,
            kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") if external else None,
            database_url=os.environ.get("DATABASE_URL") if external else None,
            namespace="bench" + secrets.token_hex(2),
        )
    )
    stack.start()
    try:
        platform = PlatformSettings(
            kafka_bootstrap_servers=stack.bootstrap, database_url=stack.database_url, namespace=stack.config.namespace
        )
        print(f"hallmark benchmarks: {N} events, Kafka {stack.bootstrap}, 2-core machine figures\n")
        runtime = bootstrap(OrdersSettings(platform=platform))
        asyncio.run(bench_relay(runtime, stack.bootstrap))
        bench_consumer(runtime)
        bench_replay(runtime)
        runtime.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
