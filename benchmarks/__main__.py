"""`make bench`, the parts: each against a raw baseline doing the same work with the bare client, on
a Kafka and PostgreSQL of its own (ports from BENCH_PORT_BASE + 400), or KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL. Every topic is created up front, each part is warmed up, each figure is the median of
three runs. Then the quote of a 1,000-event order. `BENCH_EVENTS` (default 3000) sets the size."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time

import psycopg
from psycopg import sql

from benchmarks.agent_bench import bench_agent
from benchmarks.consumer_bench import bench_consumer
from benchmarks.relay_bench import bench_relay
from benchmarks.store_bench import bench_store
from services.orders.bootstrap import bootstrap
from services.orders.domain import cancellation
from services.orders.domain.catalogue import CatalogueEntry
from services.orders.settings import OrdersSettings
from shared.events import all_topics
from shared.runtime.kafka import create_topics, wait_for_topics
from shared.runtime.settings import PlatformSettings
from tools.launcher.stack import Ports, Stack, StackConfig

N = int(os.environ.get("BENCH_EVENTS", "3000"))
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "28000")) + 400


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
    namespace = "bench" + secrets.token_hex(2)
    stack = Stack(
        StackConfig(
            name="bench",
            ports=Ports.offset(PORT_BASE),
            start_services=False,
            durable=False,
            kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") if external else None,
            database_url=os.environ.get("DATABASE_URL") if external else None,
            namespace=namespace,
        )
    )
    stack.start()
    try:
        server = stack.bootstrap
        bench_topics = {k: f"{namespace}.bench.{k}" for k in ("raw", "consume0", "consume1", "consume2", "agent")}
        topics = [f"{namespace}.{t}" for t in all_topics()] + list(bench_topics.values())
        asyncio.run(create_topics(server, topics=topics))
        asyncio.run(wait_for_topics(server, topics, within_seconds=60))
        load = os.getloadavg()
        print(f"hallmark benchmarks: {N} events, Kafka {server}, {os.cpu_count()} cores, load {load[0]:.1f}\n")
        platform = PlatformSettings(
            kafka_bootstrap_servers=server, database_url=stack.database_url, namespace=namespace
        )
        runtime = bootstrap(OrdersSettings(platform=platform))
        app = runtime.app
        app.save(CatalogueEntry(sku="B-1", name="b", unit_price_minor=100, currency="USD", moq=1, weight_grams=1))
        for k in range(N):  # the relay publishes these (not timed)
            app.place_order(f"relay-{k}", [("B-1", 1)])
        ratios = {"relay": asyncio.run(bench_relay(runtime, server, bench_topics["raw"]))}
        consume_topics = [bench_topics[f"consume{i}"] for i in range(3)]
        ratios["consumer"] = asyncio.run(bench_consumer(runtime, server, consume_topics, N))
        for kind, ratio in bench_agent(server, consume_topics[0], N, "uvloop").items():
            ratios[kind] = ratio
        ratios["store_1"] = bench_store(runtime, min(N, 2000), 1)
        ratios["store_100"] = bench_store(runtime, N, 100)
        bench_replay(runtime)
        runtime.close()
        out = stack.run_dir.parent.parent / "bench"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"parts-{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.write_text(json.dumps({"events": N, "load_average": load, "ratios": ratios}, indent=2))
        print(f"written to {path}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
