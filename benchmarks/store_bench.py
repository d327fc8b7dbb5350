"""Store append through the service's application against a raw psycopg insert of the same rows."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql

from benchmarks.measure import Run, Timed, repeat, report
from services.orders.domain.catalogue import CatalogueEntry


def entries(n: int) -> list[CatalogueEntry]:
    tag = uuid.uuid4().hex[:8]
    return [
        CatalogueEntry(sku=f"S-{tag}-{i}", name="bench", unit_price_minor=100, currency="USD", moq=1, weight_grams=1)
        for i in range(n)
    ]


def bench_store(runtime: Any, n: int, per_transaction: int) -> float:
    """`n` new aggregates of one event each, saved `per_transaction` to a transaction by one writer:
    `app.save` (serialise, lock the events table, insert, notify) against an INSERT of the same rows
    (originator id, version, topic, state) into a table of the same shape, without lock or notify."""
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
        rows = []
        for entry in entries(n):
            stored = app.mapper.to_stored_event(entry.collect_events()[0])
            rows.append((stored.originator_id, stored.originator_version, stored.topic, stored.state))
        insert = "INSERT INTO bench_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn, Timed() as t:
            for start in range(0, n, per_transaction):
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.executemany(insert, rows[start : start + per_transaction])
        return Run(n, t.seconds, t.cpu)

    label = "one event per transaction" if per_transaction == 1 else f"{per_transaction} events per transaction"
    print(f"store append, {n} events, {label}, one writer")
    part, baseline = repeat(through_app), repeat(raw)
    return report("application save", part, "raw psycopg insert, same rows", baseline, 0.8)
