"""`python -m benchmarks.audit`: the auditors' reads against raw baselines in the same run.

- export (the archived envelopes, streamed as NDJSON) and verify (chain + store <-> topic + consumers)
  of one service's log, beside a raw `SELECT` of the same rows + `json.loads` of each (ratio printed);
- the trail of one order with 100 events across the five services, over their HTTP audit APIs.

Events: BENCH_AUDIT_EVENTS (default 100,000 orders placed, each an OrderPlaced on the topic). Kafka and
PostgreSQL as `make bench` (KAFKA_BOOTSTRAP_SERVERS + DATABASE_URL, else started here)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from psycopg import sql

from benchmarks.audit_consumed import acknowledge_all, check3_by_message, check3_in_bulk, verify_consumer
from benchmarks.audit_cpu import measured
from benchmarks.audit_log import (
    N,
    chain_in_python,
    chain_in_sql,
    export_core,
    export_http,
    export_rows,
    raw_select,
    topic_by_batches,
    topic_by_consumer,
    verify_once,
)
from benchmarks.audit_servers import api_process, api_processes, serve
from services.orders.domain.order import Order
from services.orders.domain.values import OrderLine
from shared.events import SERVICES, wrap
from shared.events.tickets import TicketOpened
from shared.runtime import archive
from shared.runtime.audit.gather import AuditSettings, gather_trail
from shared.runtime.chain import log_tables
from shared.runtime.identity import mint
from shared.runtime.kafka import reliable_producer
from shared.runtime.relay import OutboxRelay
from shared.runtime.settings import PlatformSettings
from tools.launcher.stack import Ports, Stack, StackConfig

PORTS = Ports.offset(int(os.environ.get("BENCH_PORT_BASE", "29700")))


def runtime_of(service: str, platform: PlatformSettings, **settings: Any) -> Any:
    boot = importlib.import_module(f"services.{service}.bootstrap")
    settings_mod = importlib.import_module(f"services.{service}.settings")
    cls = next(v for k, v in vars(settings_mod).items() if k.endswith("Settings") and k != "ServiceSettings")
    return boot.bootstrap(cls(platform=platform, **settings))


def store(orders: Any, n: int) -> float:
    """n orders stored in saves of 2,500; the seconds it took."""
    now = datetime.now(UTC)
    lines = [OrderLine(sku="B-1", quantity=12, unit_price_minor=450)]
    seconds = 0.0
    for start in range(0, n, 2500):
        batch = [
            Order(order_id=str(uuid.uuid4()), customer_id=f"c{i % 50}", lines=lines, currency="USD", placed_at=now)
            for i in range(start, min(start + 2500, n))
        ]
        t0 = time.perf_counter()
        orders.app.save(*batch)
        seconds += time.perf_counter() - t0
    return seconds


def bench_store(platform: PlatformSettings) -> None:
    """What the chain costs a save: the same saves into a store with and one without the trigger."""
    bare = runtime_of("orders", platform, database_name=f"hallmark_{platform.namespace}_orders_bare")
    tables = log_tables(bare.app)
    assert tables is not None
    with psycopg.connect(bare.settings.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(tables.trigger_name), tables.events))
    chained = runtime_of("orders", platform, database_name=f"hallmark_{platform.namespace}_orders_chained")
    n = min(N, 10_000)
    timings = {"without": 0.0, "with": 0.0}
    for _ in range(2):  # alternated, so a busy moment hurts both
        timings["without"] += store(bare, n // 2)
        timings["with"] += store(chained, n // 2)
    print(f"storing {n} events in saves of 2,500 (one OrderPlaced each)")
    base = line("without the chain trigger", timings["without"], n)
    rate = line("with the chain trigger (the hash chain on record)", timings["with"], n)
    print(f"  {'ratio with / without':<58} {rate / base:>10.2f}\n")
    bare.close()
    chained.close()


def fill(orders: Any) -> None:
    """N orders stored, published by the outbox relay (neither is timed here)."""
    store(orders, N)

    async def publish() -> None:
        producer = reliable_producer(orders.settings.platform.kafka_bootstrap_servers, "bench-audit")
        await producer.start()
        relay = OutboxRelay(orders.app, orders.spec.translate, orders.topic, producer, orders.settings.dsn)
        assert await asyncio.to_thread(relay._try_lead)
        while await relay.pump_once():
            pass
        relay.close()
        await producer.stop()

    asyncio.run(publish())


def line(name: str, seconds: float, n: int = N) -> float:
    rate = n / seconds
    print(f"  {name:<58} {rate:>10.0f} events/s  ({seconds:.2f}s for {n})")
    return rate


ROUNDS = int(os.environ.get("BENCH_AUDIT_ROUNDS", "3"))
"""Each piece is timed this many times, the pieces taking turns, and the best time kept: on a machine
shared with other work, one busy moment then does not decide a figure."""


def bench_log(stack: Stack, orders: Any, inventory: Any, headers: dict[str, str]) -> None:
    print(f"one service's log: {N} events (each an OrderPlaced on {orders.topic}); load average {load()}")
    print(f"  (each the best of {ROUNDS} runs, taking turns; CPU per event: the least of the runs, from /proc)")
    consumed = acknowledge_all(orders, inventory)
    try:
        url = api_process(stack, "orders")
        pieces: dict[str, Callable[[], float]] = {
            "raw: SELECT the rows + json.loads each": lambda: raw_select(orders),
            "export, before: archived envelopes row by row": lambda: export_rows(orders),
            "export: pages of archived bytes joined as NDJSON chunks": lambda: export_core(orders),
            "export over HTTP: GET /audit/log (API in its own process)": lambda: export_http(url, headers),
            "  chain, before: every link in Python": lambda: chain_in_python(orders),
            "  chain: every link in PostgreSQL": lambda: chain_in_sql(orders),
            "  topic, before: a consumer record per message": lambda: topic_by_consumer(orders),
            "  topic: record batches, pipelined": lambda: topic_by_batches(orders),
            "verify: chain + store <-> topic + consumers": lambda: verify_once(orders),
            "  check (3), before: message by message": lambda: check3_by_message(inventory, consumed, N),
            "  check (3): in bulk per partition": lambda: check3_in_bulk(inventory, consumed, N),
            "verify of a consumer: inventory, N consumed events": lambda: verify_consumer(inventory, N),
        }
        best: dict[str, float] = {}
        cpu: dict[str, dict[str, float]] = {}
        for _ in range(ROUNDS):
            for name, piece in pieces.items():
                seconds, used = measured(stack, piece)
                best[name] = min(best.get(name, float("inf")), seconds)
                least = cpu.setdefault(name, {})
                for process, spent in used.items():
                    least[process] = min(least.get(process, float("inf")), spent)
    finally:
        stack.stop_process("orders-api")
    rates = {name: line(name, seconds) for name, seconds in best.items()}
    print("  CPU per event, us (the API process of the export over HTTP not counted):")
    print(f"  {'':<58} {'this':>7} {'PostgreSQL':>11} {'Kafka':>7}")
    for name, used in cpu.items():
        figures = [f"{used[p] / N * 1e6:.1f}" if p in used else "-" for p in ("self", "postgres", "kafka")]
        print(f"  {name:<58} {figures[0]:>7} {figures[1]:>11} {figures[2]:>7}")
    raw = rates.pop("raw: SELECT the rows + json.loads each")
    for name, rate in rates.items():
        print(f"  {'ratio ' + name.strip().split(':')[0] + ' / raw':<58} {rate / raw:>10.2f}")
    print(f"  (goal: export and verify >= 100,000 events/s; load average after: {load()})\n")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_trail(stack: Stack, runtimes: dict[str, Any], headers: dict[str, str]) -> None:
    """An order with 20 archived events in each of the five services (100 in all); the other four
    services' APIs each in its own process, as deployed."""
    order_id = str(uuid.uuid4())
    t = datetime.now(UTC)
    for runtime in runtimes.values():
        published = []
        for i in range(20):
            payload = TicketOpened(ticket_id=f"t-{i}", order_id=order_id, customer_id="c", kind="damaged", opened_at=t)
            envelope = wrap("TicketOpened", payload, occurred_at=t + timedelta(seconds=i), correlation_id="bench")
            published.append((10_000_000 + i, envelope, envelope.to_json()))
        with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
            archive.record_published(conn, [], published)
    others = [s for s in SERVICES if s != "orders"]
    settings = AuditSettings(audit_peers=",".join(f"{s}={stack.url(s)}" for s in SERVICES))

    async def runs(n: int) -> tuple[list[float], int]:
        timings = []
        async with httpx.AsyncClient(timeout=10) as client:  # as the orders API keeps one
            for _ in range(n + 1):
                t0 = time.perf_counter()
                body = await gather_trail(runtimes["orders"], order_id, headers["authorization"], settings, client)
                timings.append((time.perf_counter() - t0) * 1000)
        return timings[1:], len(body["events"])  # the first run opens the connections

    print(f"trail of one order: 100 events across the five services, over their audit APIs; load average {load()}")
    servers = [serve(runtimes[s], PORTS.services[s]) for s in others]
    try:  # the other services' APIs in threads of this process, as measured before
        report_trail("peers' APIs in this process (threads)", *asyncio.run(runs(20)))
    finally:
        for server in servers:
            server.should_exit = True
    time.sleep(1)
    try:  # each in its own process, as deployed (on a busy machine each answer waits for a core)
        api_processes(stack, others)
        report_trail("peers' APIs in their own processes", *asyncio.run(runs(20)))
    finally:
        for service in others:
            stack.stop_process(f"{service}-api")
    print()


def report_trail(name: str, timings: list[float], found: int) -> None:
    assert found == 100, found
    timings.sort()
    print(f"  {name:<40} median {timings[10]:.1f} ms, best {timings[0]:.1f}, worst {timings[-1]:.1f} (goal < 50)")


def main() -> None:
    logging.disable(logging.INFO)  # the request log of the servers run here is not what is measured
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL")
    stack = Stack(
        StackConfig(
            name="bench-audit",
            ports=PORTS,
            start_services=False,
            durable=False,
            kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") if external else None,
            database_url=os.environ.get("DATABASE_URL") if external else None,
            namespace="benchaudit" + secrets.token_hex(2),
        )
    )
    stack.start()
    try:
        platform = PlatformSettings(
            kafka_bootstrap_servers=stack.bootstrap, database_url=stack.database_url, namespace=stack.config.namespace
        )
        headers = {"authorization": "Bearer " + mint(platform.jwt_secret, platform.jwt_issuer, "auditor", "bench")}
        print(f"hallmark audit benchmarks, Kafka {stack.bootstrap}, 2-core machine figures\n")
        runtimes = {s: runtime_of(s, platform) for s in SERVICES}
        bench_store(platform)
        fill(runtimes["orders"])
        bench_log(stack, runtimes["orders"], runtimes["inventory"], headers)
        bench_trail(stack, runtimes, headers)
        for runtime in runtimes.values():
            runtime.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
