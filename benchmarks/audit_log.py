"""The pieces `benchmarks.audit` times on one service's log, each the work before and after the
audit reads were made fast, beside the raw baseline (`SELECT` the rows + `json.loads` each); each
returns the seconds it took for the N events of the log."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from psycopg import sql

from shared.events import PARTITIONS
from shared.runtime import archive
from shared.runtime.audit.chaincheck import check_chain
from shared.runtime.audit.chainsql import ChainProof
from shared.runtime.audit.export import ndjson_chunks
from shared.runtime.audit.log import highest, log_rows
from shared.runtime.audit.topic import read_topic, value_digest
from shared.runtime.audit.verify import verify
from shared.runtime.chain import log_tables

N = int(os.environ.get("BENCH_AUDIT_EVENTS", "100000"))


def raw_select(orders: Any) -> float:
    tables = log_tables(orders.app)
    assert tables is not None
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {} ORDER BY notification_id"
    ).format(tables.events)
    with psycopg.connect(orders.settings.dsn) as conn:
        t0 = time.perf_counter()
        with conn.cursor(binary=True) as cur:
            rows = cur.execute(query).fetchall()
        decoded = [json.loads(r[4]) for r in rows]
        seconds = time.perf_counter() - t0
    assert len(decoded) == N
    return seconds


def export_rows(orders: Any) -> float:
    """Before: the archived envelopes read row by row (a Python object per row), joined in Python."""
    with psycopg.connect(orders.settings.dsn) as conn:
        t0 = time.perf_counter()
        size = sum(len(a.envelope) + 1 for a in archive.stream(conn, 1, None))
        seconds = time.perf_counter() - t0
    assert size > 0
    return seconds


def export_core(orders: Any) -> float:
    """After: each page of archived envelopes fetched in binary and joined into one NDJSON chunk."""
    with psycopg.connect(orders.settings.dsn) as conn:
        t0 = time.perf_counter()
        lines = sum(chunk.count(b"\n") for chunk in ndjson_chunks(conn, 1, None))
        seconds = time.perf_counter() - t0
    assert lines == N, lines
    return seconds


def export_http(url: str, headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    lines = 0
    with httpx.stream("GET", f"{url}/audit/log", headers=headers, timeout=300) as response:
        for chunk in response.iter_raw(1 << 20):
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - t0
    assert lines == N, lines
    return seconds


def chain_in_python(orders: Any) -> float:
    """Before: every link recomputed in Python (now only for a log with a fault, to name each finding)."""
    tables = log_tables(orders.app)
    assert tables is not None
    with psycopg.connect(orders.settings.dsn) as conn:
        t0 = time.perf_counter()
        checked, findings = check_chain("orders", log_rows(conn, tables))
        seconds = time.perf_counter() - t0
    assert checked == N and not findings
    return seconds


def chain_in_sql(orders: Any) -> float:
    """After: PostgreSQL recomputes every link and answers whether all hold."""
    tables = log_tables(orders.app)
    assert tables is not None
    proof = ChainProof("orders")
    with psycopg.connect(orders.settings.dsn) as conn:
        t0 = time.perf_counter()
        proof.extend(conn, tables, highest(conn, tables))
        seconds = time.perf_counter() - t0
    assert proof.checked == N and not proof.doubt
    return seconds


def topic_by_consumer(orders: Any) -> float:
    """Before: the topic read by a consumer (a consumer record per message), each value hashed."""

    async def read() -> int:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=orders.settings.platform.kafka_bootstrap_servers,
            enable_auto_commit=False,
            max_partition_fetch_bytes=8 << 20,
        )
        await consumer.start()
        try:
            tps = [TopicPartition(orders.topic, p) for p in range(PARTITIONS)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            seen, remaining = 0, {tp for tp in tps if end[tp] > 0}
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=10_000)
                for items in batch.values():
                    seen += sum(1 for m in items if dict(m.headers) and value_digest(m.value or b""))
                for tp in list(remaining):
                    if await consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
            return seen
        finally:
            await consumer.stop()

    t0 = time.perf_counter()
    assert asyncio.run(read()) == N
    return time.perf_counter() - t0


def topic_by_batches(orders: Any) -> float:
    """After: whole record batches fetched and parsed by aiokafka's compiled parser, in a pipeline."""
    t0 = time.perf_counter()
    records = asyncio.run(read_topic(orders.settings.platform.kafka_bootstrap_servers, orders.topic))
    assert len(records) == N
    return time.perf_counter() - t0


def verify_once(orders: Any) -> float:
    t0 = time.perf_counter()
    report = asyncio.run(verify(orders))
    seconds = time.perf_counter() - t0
    assert report.ok, report.as_dict()
    return seconds
