"""End to end: what a shop feels. Orders are placed over HTTP and paid by card at a fixed arrival
rate (open loop: arrivals do not wait for earlier orders), and OrderConfirmed is watched on Kafka.

Per step of the ladder it prints offered and achieved orders/s, placed->confirmed p50/p95/p99,
errors, and CPU-seconds per process (services, Kafka, PostgreSQL with its backends, and the load
generator apart), so the bottleneck is named. The result is also written as JSON under
`.hallmark/bench/`. `BENCH_RATES` (default 5,10,20,40) and `BENCH_STEP_SECONDS` (default 20) tune it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import secrets
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events import PARTITIONS
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.procs import home, repo_root
from tools.launcher.stack import Ports, Stack, StackConfig

RATES = [float(r) for r in os.environ.get("BENCH_RATES", "5,10,20,40").split(",")]
STEP_SECONDS = float(os.environ.get("BENCH_STEP_SECONDS", "20"))
DRAIN_SECONDS = 30.0
SKU = "BENCH-STEEL-RING"
ADDRESS = {"name": "Bench", "line1": "Calle 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    rate: float
    sent: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def cpu_by_process(stack: Stack) -> dict[str, float]:
    usage = {name: cpu_seconds(pid) for name, pid in stack.procs.items() if pid}
    if stack.procs.get("postgres"):  # the postmaster's backends do the work
        usage["postgres"] += sum(cpu_seconds(p) for p in children_of(stack.procs["postgres"]))
    self = resource.getrusage(resource.RUSAGE_SELF)
    usage["load-generator"] = self.ru_utime + self.ru_stime
    return usage


class Bench:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        secret = PlatformSettings().jwt_secret
        self.ops = {"authorization": "Bearer " + mint(secret, "hallmark", "ops", "bench-ops")}
        self.secret = secret
        self.http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200))
        self.confirmed: dict[str, float] = {}
        self.arrived = asyncio.Event()

    def customer(self, name: str) -> dict[str, str]:
        return {"authorization": "Bearer " + mint(self.secret, "hallmark", "customer", name)}

    async def watch(self, ready: asyncio.Event) -> None:
        topic = f"{self.stack.config.namespace}.orders.events"
        consumer = AIOKafkaConsumer(bootstrap_servers=self.stack.bootstrap, auto_offset_reset="latest")
        await consumer.start()
        try:
            consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
            await consumer.seek_to_end()
            ready.set()
            async for message in consumer:
                headers = dict(message.headers or [])
                if headers.get("event_type") == b"OrderConfirmed" and message.key:
                    self.confirmed.setdefault(message.key.decode(), time.monotonic())
                    self.arrived.set()
        finally:
            await consumer.stop()

    async def prepare(self) -> None:
        url = self.stack.url("inventory")
        body = {
            "sku": SKU,
            "name": "bench ring",
            "unit_price": {"amount_minor": 450, "currency": "USD"},
            "moq": 1,
            "weight_grams": 5,
            "on_hand": 50_000_000,
        }
        response = await self.http.post(f"{url}/skus", json=body, headers=self.ops)
        response.raise_for_status()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # orders knows the SKU once SkuCatalogued reached it
            if await self.order_once(Step(0), f"warm-{secrets.token_hex(3)}"):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the orders service never learned the bench SKU")

    async def order_once(self, step: Step, customer: str) -> bool:
        t0 = time.monotonic()
        headers = self.customer(customer)
        body = {
            "lines": [{"sku": SKU, "quantity": 1}],
            "shipping_address": ADDRESS,
            "billing_address": ADDRESS,
            "payment_method": "card",
            "contact_email": "bench@example.com",
        }
        try:
            placed = await self.http.post(f"{self.stack.url('orders')}/orders", json=body, headers=headers)
            if placed.status_code != 201:
                step.errors.append(f"place {placed.status_code}")
                return False
            order_id = placed.json()["order_id"]
            step.sent[order_id] = t0
            capture = {"method": "card", "source": "4111 1111 1111 1111"}
            url = f"{self.stack.url('payments')}/payments/{order_id}/goods/capture"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # 404 until payments has seen the order
                paid = await self.http.post(url, json=capture, headers={**headers, "idempotency-key": order_id})
                if paid.status_code != 404:
                    break
                await asyncio.sleep(0.02)
            if paid.status_code >= 300:
                step.errors.append(f"capture {paid.status_code}")
                return False
            return True
        except httpx.HTTPError as exc:
            step.errors.append(type(exc).__name__)
            return False

    async def run_step(self, rate: float) -> dict[str, Any]:
        step = Step(rate)
        cpu_before = cpu_by_process(self.stack)
        start = time.monotonic()
        tasks, n = [], int(rate * STEP_SECONDS)
        for k in range(n):
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            tasks.append(asyncio.create_task(self.order_once(step, f"bench-{secrets.token_hex(4)}")))
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            self.arrived.clear()  # before the check, so a confirmation arriving after it wakes the wait
            if all(o in self.confirmed for o in step.sent):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), deadline - time.monotonic())
        cpu_after = cpu_by_process(self.stack)
        done = {o: self.confirmed[o] - t for o, t in step.sent.items() if o in self.confirmed}
        last = max((self.confirmed[o] for o in done), default=start)
        latencies = sorted(done.values())
        cpu = {name: round(cpu_after.get(name, 0) - cpu_before.get(name, 0), 2) for name in cpu_after}
        services = sum(v for k, v in cpu.items() if k != "load-generator")
        return {
            "offered": rate,
            "orders": n,
            "confirmed": len(done),
            "achieved": round(len(done) / max(last - start, 1e-9), 2),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "errors": len(step.errors) + (n - len(step.sent)),
            "error_kinds": sorted(set(step.errors)),
            "cpu_seconds": cpu,
            "cpu_ms_per_order": round(services / max(len(done), 1) * 1000, 1),
        }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def print_step(r: dict[str, Any]) -> None:
    top = sorted(((v, k) for k, v in r["cpu_seconds"].items()), reverse=True)[:3]
    print(
        f"{r['offered']:>7.0f} {r['achieved']:>9.1f} {r['confirmed']:>5}/{r['orders']:<5} {r['p50_ms']:>8.0f}"
        f" {r['p95_ms']:>8.0f} {r['p99_ms']:>8.0f} {r['errors']:>6} {r['cpu_ms_per_order']:>9.1f}   "
        + ", ".join(f"{k} {v:.1f}s" for v, k in top)
    )


async def ladder(stack: Stack) -> list[dict[str, Any]]:
    bench = Bench(stack)
    ready = asyncio.Event()
    watcher = asyncio.create_task(bench.watch(ready))
    await asyncio.wait_for(ready.wait(), 60)
    await bench.prepare()
    await bench.run_step(RATES[0])  # warm-up, not reported
    print("offered  achieved  confirmed   p50 ms   p95 ms   p99 ms errors  CPU ms/order   busiest processes")
    results = []
    for rate in RATES:
        result = await bench.run_step(rate)
        print_step(result)
        results.append(result)
    watcher.cancel()
    await bench.http.aclose()
    return results


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
    stack = Stack(
        StackConfig(
            name="bench-e2e",
            ports=Ports.offset(int(os.environ.get("BENCH_PORT_BASE", "28000"))),
            durable=False,
            clock="system",
            environment="test",
            namespace="e2e" + secrets.token_hex(2),
            extra_env={"PAYMENTS_FRAUD_SHARE": "0"},  # every order is confirmed without a review
        )
    )
    stack.start()
    try:
        cores = os.cpu_count()
        print(f"\nend to end, placed -> confirmed: {STEP_SECONDS:.0f} s per step, open-loop arrivals, {cores} cores")
        results = asyncio.run(ladder(stack))
        found = knee(results)
        print(f"knee: {found if found is not None else 'below the lowest rate'} orders/s (achieved >= 90 %, p99 < 1 s)")
        out = home() / "bench"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"e2e-{time.strftime('%Y%m%dT%H%M%S')}.json"
        meta = {"cores": os.cpu_count(), "python": platform.python_version(), **versions(stack)}
        path.write_text(json.dumps({"meta": meta, "knee": found, "steps": results}, indent=2))
        print(f"written to {path}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
