"""Store append through the service's application against a raw psycopg insert of the same rows."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.measure import Run, Timed, repeat, report
from benchmarks.procstat import children_of, cpu_seconds
from services.orders.domain.catalogue import CatalogueEntry


def entries(n: int) -> list[CatalogueEntry]:
    tag = uuid.uuid4().hex[:8]
    return [
        CatalogueEntry(sku=f"S-{tag}-{i}", name="bench", unit_price_minor=100, currency="USD", moq=1, weight_grams=1)
        for i in range(n)
    ]


def postgres_pid(dsn: str) -> int | None:
    """The postmaster of the server at `dsn` if it runs on this machine (its CPU is read from /proc)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('data_directory')").fetchone()
    try:
        return int((Path(row[0]) / "postmaster.pid").read_text().split()[0]) if row else None
    except (OSError, ValueError):
        return None


class PostgresCpu:
    """CPU-seconds the PostgreSQL server (postmaster and backends) spent in a `with` block, per event
    measured: `PostgresCpu(pid).per_event(runs)` gives the median us per event of the blocks timed."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.samples: list[float] = []

    def total(self) -> float:
        if self.pid is None:
            return 0.0
        return cpu_seconds(self.pid) + sum(cpu_seconds(p) for p in children_of(self.pid))

    def measure(self, n: int, run: Callable[[], Run]) -> Run:
        before = self.total()
        result = run()
        self.samples.append((self.total() - before) / n * 1e6)
        return result

    def line(self) -> str:
        if self.pid is None or not self.samples:
            return "n/a (server not local)"
        return f"{statistics.median(self.samples):.0f} us/event (runs: {', '.join(f'{s:.0f}' for s in self.samples)})"


def bench_store(runtime: Any, n: int, per_transaction: int) -> float:
    """`n` new aggregates of one event each, saved `per_transaction` to a transaction by one writer:
    `app.save` (serialise, then one statement: lock the events table, notify, insert, extend the hash
    chain) against an INSERT of the same rows (originator id, version, topic, state) into a table of the
    same shape, without lock, notify or chain (BEGIN, INSERT, COMMIT). PostgreSQL's CPU is printed too."""
    app = runtime.app
    table = app.recorder.events_table_name
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS bench_events (LIKE {} INCLUDING ALL)").format(sql.Identifier(table))
        )
    app.save(*entries(per_transaction))  # warm-up

    def through_app(_: int) -> Run:
        batches = [entries(per_transaction) for _ in range(n // per_transaction)]
        with Timed() as t:
            for batch in batches:
                app.save(*batch)
        return Run(n, t.seconds, t.cpu)

    def raw(_: int) -> Run:
        rows: list[tuple[Any, ...]] = []
        for entry in entries(n):
            stored = app.mapper.to_stored_event(entry.collect_events()[0])
            rows.append((stored.originator_id, stored.originator_version, stored.topic, stored.state))
        insert = "INSERT INTO bench_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        with Timed() as t:
            for start in range(0, n, per_transaction):
                with writer.transaction(), writer.cursor() as cursor:
                    cursor.executemany(insert, rows[start : start + per_transaction])
        return Run(n, t.seconds, t.cpu)

    label = "one event per transaction" if per_transaction == 1 else f"{per_transaction} events per transaction"
    print(f"store append, {n} events, {label}, one writer")
    server = postgres_pid(runtime.settings.dsn)
    on_app, on_raw = PostgresCpu(server), PostgresCpu(server)
    part = repeat(lambda i: on_app.measure(n, lambda: through_app(i)))
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as writer:  # its backend lives while measured
        baseline = repeat(lambda i: on_raw.measure(n, lambda: raw(i)))
    ratio = report("application save", part, "raw psycopg insert, same rows", baseline, 0.8)
    print(f"  PostgreSQL CPU: application save {on_app.line()}; raw insert {on_raw.line()}\n")
    return ratio
