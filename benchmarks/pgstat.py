"""Where PostgreSQL's time goes per confirmed order: the end-to-end bench's stack with pg_stat_statements
loaded (every statement, nested ones in functions and triggers too), one step of orders at a fixed rate
after a warm-up, and per service database the statements' calls, execution and planning time and the
transactions committed, each divided by the orders confirmed in the step.

    BENCH_PGSTAT_RATE=25 BENCH_STEP_SECONDS=20 BENCH_PORT_BASE=... python -m benchmarks.pgstat

Execution time is wall time inside the executor (it includes waits for locks and I/O); nested statements
(`top` = no) are also inside their caller's time, so the per-database total counts top-level ones only.
Compare that total with PostgreSQL's CPU over the same window (from /proc): the rest is connection and
protocol work, commits (WAL), NOTIFY delivery and the background processes. pg_stat_statements costs some
CPU itself: compare CPU per order across changes with `benchmarks.e2e`, not here. Written as JSON under
`.hallmark/bench/`. Settings in `HALLMARK_POSTGRES_OPTIONS` (`name=value ...`, as the launcher takes them)
are added to the server's, to measure one.
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

import psycopg

from benchmarks.load import Bench, bench_stack, write_result
from benchmarks.procstat import cpu_by_process
from tools.launcher.stack import Stack

OPTIONS = (
    "shared_preload_libraries=pg_stat_statements pg_stat_statements.track=all"
    " pg_stat_statements.track_planning=on pg_stat_statements.max=5000 track_functions=all"
)
RATE = float(os.environ.get("BENCH_PGSTAT_RATE", "25"))
TOP = int(os.environ.get("BENCH_PGSTAT_TOP", "12"))

STATEMENTS = """
SELECT d.datname, s.toplevel, s.queryid, s.query, s.calls, s.total_exec_time, s.total_plan_time, s.rows, s.plans,
       s.jit_functions
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
"""
DATABASES = "SELECT datname, xact_commit, xact_rollback FROM pg_stat_database WHERE datname IS NOT NULL"

Snapshot = tuple[dict[tuple[str, bool, int], dict[str, Any]], dict[str, tuple[int, int]]]


def snapshot(url: str) -> Snapshot:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        statements = {
            (db, top, qid): {"query": q, "calls": c, "exec_ms": e, "plan_ms": p, "rows": r, "plans": n, "jit": j}
            for db, top, qid, q, c, e, p, r, n, j in conn.execute(STATEMENTS).fetchall()
        }
        databases = {db: (c, r) for db, c, r in conn.execute(DATABASES).fetchall()}
    return statements, databases


def difference(before: Snapshot, after: Snapshot, orders: int) -> dict[str, Any]:
    """Per database: transactions and per statement calls, us per call and us per order (exec, plan)."""
    result: dict[str, Any] = {}
    for db, (commits, rollbacks) in after[1].items():
        b = before[1].get(db, (0, 0))
        if commits - b[0] > 0:
            result[db] = {
                "commits_per_order": round((commits - b[0]) / orders, 2),
                "rollbacks_per_order": round((rollbacks - b[1]) / orders, 3),
                "statements": [],
            }
    for key, now in after[0].items():
        db, top, _ = key
        was = before[0].get(key, {"calls": 0, "exec_ms": 0.0, "plan_ms": 0.0, "rows": 0, "plans": 0, "jit": 0})
        calls = now["calls"] - was["calls"]
        if calls <= 0 or db not in result:
            continue
        exec_ms, plan_ms = now["exec_ms"] - was["exec_ms"], now["plan_ms"] - was["plan_ms"]
        result[db]["statements"].append(
            {
                "top": top,
                "calls_per_order": round(calls / orders, 2),
                "exec_us_per_order": round(exec_ms * 1000 / orders, 1),
                "plan_us_per_order": round(plan_ms * 1000 / orders, 1),
                "us_per_call": round(exec_ms * 1000 / calls, 1),
                "rows_per_call": round((now["rows"] - was["rows"]) / calls, 2),
                "planned_share": round((now["plans"] - was["plans"]) / calls, 2),  # 1: planned every call
                "jit_functions": now["jit"] - was["jit"],
                "query": re.sub(r"\s+", " ", now["query"]).strip(),
            }
        )
    for entry in result.values():
        entry["statements"].sort(key=lambda s: -(s["exec_us_per_order"] + s["plan_us_per_order"]))
        tops = [s for s in entry["statements"] if s["top"]]
        entry["top_level_exec_us_per_order"] = round(sum(s["exec_us_per_order"] for s in tops), 1)
        entry["top_level_plan_us_per_order"] = round(sum(s["plan_us_per_order"] for s in tops), 1)
        entry["top_level_calls_per_order"] = round(sum(s["calls_per_order"] for s in tops), 2)
    return result


def show(found: dict[str, Any], cpu_ms: float) -> None:
    total = sum(e["top_level_exec_us_per_order"] + e["top_level_plan_us_per_order"] for e in found.values())
    print(f"\nPostgreSQL CPU {cpu_ms:.2f} ms/order; top-level statements' exec+plan {total / 1000:.2f} ms/order")
    for db, entry in sorted(found.items(), key=lambda kv: -kv[1]["top_level_exec_us_per_order"]):
        print(
            f"\n{db}: {entry['commits_per_order']} commits/order, {entry['top_level_calls_per_order']} top-level"
            f" statements/order, exec {entry['top_level_exec_us_per_order']} + plan"
            f" {entry['top_level_plan_us_per_order']} us/order"
        )
        print("  top calls/ord us/call  exec/ord plan/ord rows/call planned  query")
        for s in entry["statements"][:TOP]:
            print(
                f"  {'y' if s['top'] else 'n':>3} {s['calls_per_order']:>9} {s['us_per_call']:>7} "
                f"{s['exec_us_per_order']:>9} {s['plan_us_per_order']:>8} {s['rows_per_call']:>9}"
                f" {s['planned_share']:>7}  {s['query'][:100]}"
            )


async def measure(stack: Stack) -> dict[str, Any]:
    bench = Bench(stack)
    ready = asyncio.Event()
    watcher = asyncio.create_task(bench.watch(ready))
    await asyncio.wait_for(ready.wait(), 60)
    await bench.prepare()
    await bench.run_step(RATE)  # warm-up: plans cached, connections open
    await asyncio.sleep(3)  # backends flush their statistics within a second of going idle
    before, cpu_before = snapshot(stack.database_url), cpu_by_process(stack)
    step = await bench.run_step(RATE)
    await asyncio.sleep(3)
    after, cpu_after = snapshot(stack.database_url), cpu_by_process(stack)
    watcher.cancel()
    await bench.http.aclose()
    orders = max(step["confirmed"], 1)
    cpu_ms = (cpu_after["postgres"] - cpu_before["postgres"]) * 1000 / orders
    found = difference(before, after, orders)
    show(found, cpu_ms)
    return {"rate": RATE, "step": step, "postgres_cpu_ms_per_order": round(cpu_ms, 2), "databases": found}


def main() -> None:
    os.environ["HALLMARK_POSTGRES_OPTIONS"] = f"{OPTIONS} {os.environ.get('HALLMARK_POSTGRES_OPTIONS', '')}"
    stack = bench_stack("bench-pgstat", "pgs")
    stack.start()
    try:
        document = asyncio.run(measure(stack))
        write_result("pgstat", document)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
