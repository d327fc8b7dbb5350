"""End to end: what a shop feels. Orders are placed over HTTP and paid by card at a fixed arrival
rate (open loop: arrivals do not wait for earlier orders), and OrderConfirmed is watched on Kafka.

Per step of the ladder it prints offered and achieved orders/s, placed->confirmed p50/p95/p99,
errors, and CPU-seconds per process (services, Kafka, PostgreSQL with its backends, and the load
generator apart), so the bottleneck is named. The result is also written as JSON under
`.hallmark/bench/`. `BENCH_RATES` (default 5,10,20,40) and `BENCH_STEP_SECONDS` (default 20) tune it;
`BENCH_PROFILE=orders-worker,...` has py-spy sample those processes during the ladder; `BENCH_GETS=0`
skips the GET benchmark at the end (for short runs comparing CPU per order).

CPU per order is all service processes' CPU over the step (until its orders were confirmed) divided by
the orders confirmed; "marginal" subtracts what the processes burn at rest (measured before the ladder).
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
from typing import Any

import httpx
import psycopg
import uvloop
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.load import STEP_SECONDS, Bench, bench_stack, write_result
from benchmarks.procstat import cpu_by_process, start_profiles, stop_profiles
from benchmarks.reads import bench_get_order
from tools.launcher.procs import repo_root
from tools.launcher.stack import Stack

RATES = [float(r) for r in os.environ.get("BENCH_RATES", "5,10,20,40").split(",")]


def print_step(r: dict[str, Any]) -> None:
    top = sorted(((v, k) for k, v in r["cpu_seconds"].items()), reverse=True)[:3]
    print(
        f"{r['offered']:>7.0f} {r['achieved']:>9.1f} {r['confirmed']:>5}/{r['orders']:<5} {r['p50_ms']:>8.0f}"
        f" {r['p95_ms']:>8.0f} {r['p99_ms']:>8.0f} {r['errors']:>6} {r['cpu_ms_per_order']:>7.1f}"
        f" {r['marginal_cpu_ms_per_order']:>8.1f} {r['load_average_1m']:>5.1f}   "
        + ", ".join(f"{k} {v:.1f}s" for v, k in top)
    )


async def at_rest(stack: Stack, seconds: float = 10.0) -> dict[str, float]:
    """CPU-seconds per second of each process with no orders coming in (the fixed cost of running),
    after a pause for what the warm-up set going (shipping, tickets, e-mail) to finish."""
    await asyncio.sleep(5)
    before = cpu_by_process(stack)
    await asyncio.sleep(seconds)
    after = cpu_by_process(stack)
    return {name: (after[name] - before.get(name, 0)) / seconds for name in after if name != "load-generator"}


async def ladder(stack: Stack) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, Any]]:
    bench = Bench(stack)
    ready = asyncio.Event()
    watcher = asyncio.create_task(bench.watch(ready))
    await asyncio.wait_for(ready.wait(), 60)
    await bench.prepare()
    await bench.run_step(RATES[0])  # warm-up, not reported
    idle = await at_rest(stack)
    print(f"at rest: {sum(idle.values()) * 1000:.0f} ms CPU per second (all service processes, no orders)")
    print("offered  achieved  confirmed   p50 ms   p95 ms   p99 ms errors  CPU ms/order (marginal)  load  busiest")
    results = []
    profiles = start_profiles(stack, [n.strip() for n in os.environ.get("BENCH_PROFILE", "").split(",") if n.strip()])
    try:
        for rate in RATES:
            result = await bench.run_step(rate, idle)
            print_step(result)
            results.append(result)
        watcher.cancel()
        await bench.http.aclose()
        if os.environ.get("BENCH_GETS", "1") == "0":
            return results, idle, {}
        some_order, customer = bench.last_order
        token = bench.customer(customer)["authorization"].removeprefix("Bearer ")
        port = stack.config.ports.services["orders"]
        reads = await bench_get_order(port, stack.procs["orders-api"], some_order, token)
    finally:
        stop_profiles(profiles)  # the ladder and the GETs
    if not reads:
        return results, idle, reads
    print(
        f"GET /orders/{{id}} at {reads['rate']:.0f}/s (median of 3 runs by p99): p50 {reads['p50_ms']} ms,"
        f" p99 {reads['p99_ms']} ms (goal < 10 ms), {reads['failures']} failed,"
        f" {reads['api_cpu_ms_per_request']} ms API CPU per request"
    )
    return results, idle, reads


def worker_counts(stack: Stack) -> dict[str, dict[str, float]]:
    """Each worker's counters (events stored, published, consumed by outcome) from its metrics port."""
    counts: dict[str, dict[str, float]] = {}
    for service in stack.config.services:
        text = httpx.get(f"http://127.0.0.1:{stack.config.ports.metrics(service)}/metrics", timeout=5).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.startswith("hallmark_events_") and sample.name.endswith("_total"):
                    kind = sample.name.removeprefix("hallmark_events_").removesuffix("_total")
                    outcome = sample.labels.get("outcome")
                    counts.setdefault(service, {})[f"{kind}:{outcome}" if outcome else kind] = sample.value
    return counts


def knee(results: list[dict[str, Any]]) -> float | None:
    """The highest offered rate still achieved (within 10 %) with p99 under 1 s."""
    good = [r["offered"] for r in results if r["achieved"] >= 0.9 * r["offered"] and r["p99_ms"] < 1000]
    return max(good) if good else None


def versions(stack: Stack) -> dict[str, str]:
    pom = (repo_root() / "deploy/local/pom.xml").read_text()
    kafka = re.search(r"<kafka.version>([^<]+)<", pom)
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {"kafka": kafka.group(1) if kafka else "?", "postgresql": str(row[0]) if row else "?"}


def main() -> None:
    stack = bench_stack("bench-e2e", "e2e")
    stack.start()
    try:
        cores = os.cpu_count()
        print(f"\nend to end, placed -> confirmed: {STEP_SECONDS:.0f} s per step, open-loop arrivals, {cores} cores")
        results, idle, reads = uvloop.run(ladder(stack))  # the generator's loop: cheaper than asyncio's
        found = knee(results)
        print(f"knee: {found if found is not None else 'below the lowest rate'} orders/s (achieved >= 90 %, p99 < 1 s)")
        meta = {"cores": os.cpu_count(), "python": platform.python_version(), **versions(stack)}
        orders = sum(r["orders"] for r in results) + int(RATES[0] * STEP_SECONDS) + 1  # with the warm-up
        per_order = {s: {k: round(v / orders, 2) for k, v in c.items()} for s, c in worker_counts(stack).items()}
        print("events per order (stored, published, consumed by outcome):")
        for service, counts in per_order.items():
            print(f"  {service:<10} " + ", ".join(f"{k} {v:g}" for k, v in sorted(counts.items())))
        document = {
            "meta": meta,
            "knee": found,
            "at_rest_cpu_per_s": idle,
            "per_order": per_order,
            "steps": results,
            "get_order": reads,
        }
        write_result("e2e", document)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
