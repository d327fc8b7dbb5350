"""GET one order at a fixed arrival rate (open loop), through a lean keep-alive HTTP/1.1 client so the
load generator's own cost stays small; latency counts from each request's scheduled instant."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.procstat import cpu_seconds
from services.orders.bootstrap import bootstrap
from services.orders.domain.order import Order
from services.orders.domain.values import Address, OrderLine, ReservedLine
from services.orders.settings import OrdersSettings
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.procs import repo_root, spawn
from tools.launcher.service_procs import api_command
from tools.launcher.stack import Ports, Stack, StackConfig

RATE = 500.0
SECONDS = 10.0


class Connections:
    """Keep-alive connections to one host, at most `limit` (as a shop's client pool; under overload
    requests wait for one here instead of the server accepting thousands): an idle one, else a new one."""

    def __init__(self, port: int, limit: int = 128) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def get(self, request: bytes) -> int:
        async with self.slots:
            return await self._get(request)

    async def _get(self, request: bytes) -> int:
        while True:
            reused = bool(self.idle)
            reader, writer = self.idle.pop() if reused else await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(request)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                break
            except (asyncio.IncompleteReadError, ConnectionResetError):
                writer.close()
                if not reused:  # a kept one the server closed after its keep-alive timeout: take another
                    raise
        status = int(head.split(b" ", 2)[1])
        length = next(
            (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        await reader.readexactly(length)
        self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def open_loop(port: int, request: bytes, rate: float, seconds: float) -> tuple[list[float], int]:
    connections = Connections(port)
    latencies: list[float] = []
    failures = 0
    reasons: Counter[str] = Counter()

    async def one(at: float) -> None:
        nonlocal failures
        try:
            if await connections.get(request) != 200:
                failures += 1
        except (OSError, asyncio.IncompleteReadError) as exc:
            failures += 1
            reasons[type(exc).__name__] += 1
        latencies.append(time.monotonic() - at)

    start, tasks = time.monotonic(), []
    for k in range(int(rate * seconds)):
        at = start + k / rate
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        tasks.append(asyncio.create_task(one(at)))
    await asyncio.gather(*tasks)
    connections.close()
    if reasons:
        print(f"  ({rate:.0f}/s: {failures} failed: {dict(reasons)}; {len(connections.idle)} connections)")
    return sorted(latencies), failures


async def bench_get_order(port: int, api_pid: int, order_id: str, token: str, runs: int = 3) -> dict[str, Any]:
    """p50/p99 of GET /orders/{id} at RATE requests/s, three runs of SECONDS after a warm-up; the
    median run by p99, with the API's CPU per request."""
    request = (f"GET /orders/{order_id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    await open_loop(port, request, RATE / 5, 2.0)  # warm-up
    results = []
    for _ in range(runs):
        cpu0 = cpu_seconds(api_pid)
        latencies, failures = await open_loop(port, request, RATE, SECONDS)
        cpu = cpu_seconds(api_pid) - cpu0
        quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
        results.append(
            {
                "p50_ms": round(quantiles[49] * 1000, 2),
                "p99_ms": round(quantiles[98] * 1000, 2),
                "failures": failures,
                "api_cpu_ms_per_request": round(cpu / len(latencies) * 1000, 2),
            }
        )
    median = sorted(results, key=lambda r: r["p99_ms"])[len(results) // 2]
    return {"rate": RATE, "runs": results, **median}


# --- `python -m benchmarks.reads`: the read path alone, at a ladder of rates ---------------------------
LADDER = [float(r) for r in os.environ.get("BENCH_READ_RATES", "100,250,500").split(",")]
RUNS = int(os.environ.get("BENCH_READ_RUNS", "3"))
IDLE_SECONDS = 10.0
Found = dict[str, dict[float, list[dict[str, float]]]]
"""By API (before, after) and rate: each run's figures."""


def seed_order(runtime: Any) -> tuple[str, str]:
    """A confirmed order with sealed checkout details (as checkout makes them); its id and customer."""
    now = datetime.now(UTC)
    address = Address(name="A Jeweller", line1="1 High St", city="London", postal_code="N1 1AA", country="GB")
    lines = [OrderLine(sku=f"R-{i}", quantity=12, unit_price_minor=450) for i in range(3)]
    order = Order(
        order_id=str(uuid.uuid4()),
        customer_id="bench-reader",
        lines=lines,
        currency="GBP",
        placed_at=now,
        payment_method="card",
        shipping_address=address,
        billing_address=address,
        contact_email="reader@example.com",
        carrier="dhl",
        payment_due_at=now + timedelta(hours=1),
    )
    order.record_reservation([ReservedLine(sku=x.sku, asked=12, reserved=12, short=0) for x in lines], at=now)
    order.receive_payment("card", order.total_minor, "v1", at=now)
    runtime.app.save(order)
    return str(order.id), order.customer_id


def start_api(stack: Stack, name: str, root: Path, port: int, secret: str) -> int:
    """The orders API as `make up` runs it, from the code under `root` (another checkout: the before)."""
    env = stack.service_env("orders", {"ORDERS_HTTP_PORT": str(port), "PYTHONPATH": str(root), "JWT_SECRET": secret})
    proc = spawn(api_command("orders", port), stack.run_dir / "logs" / f"{name}.log", env=env, cwd=root)
    stack.processes.record(name, proc.pid)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=2).status_code == 200:
                return proc.pid
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{name} did not start (see {stack.run_dir / 'logs'})")
        time.sleep(0.2)


async def one_run(port: int, pid: int, request: bytes, rate: float) -> dict[str, float]:
    cpu0 = cpu_seconds(pid)
    latencies, failures = await open_loop(port, request, rate, SECONDS)
    cpu = cpu_seconds(pid) - cpu0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "cpu_ms": cpu / len(latencies) * 1000,
        "failures": failures,
        "load": os.getloadavg()[0],
    }


async def interleaved(apis: dict[str, tuple[int, int]], request: bytes) -> Found:
    for port, _ in apis.values():
        await open_loop(port, request, 50, 2.0)  # warm-up
    found: Found = {name: {} for name in apis}
    await asyncio.sleep(2)
    rest = {name: cpu_seconds(pid) for name, (_, pid) in apis.items()}
    await asyncio.sleep(IDLE_SECONDS)  # what each API burns with no requests (its fixed cost)
    for name, (_, pid) in apis.items():
        found[name][0.0] = [{"cpu_ms": (cpu_seconds(pid) - rest[name]) / IDLE_SECONDS * 1000}]
    for rate in LADDER:
        for _ in range(RUNS):
            for name, (port, pid) in apis.items():  # taking turns, so a busy moment hurts both
                found[name].setdefault(rate, []).append(await one_run(port, pid, request, rate))
    return found


def report(found: Found) -> None:
    print("at rest, ms CPU per second: " + ", ".join(f"{n} {f[0.0][0]['cpu_ms']:.1f}" for n, f in found.items()))
    print(f"GET /orders/{{id}}, {SECONDS:.0f} s per run, {RUNS} runs interleaved; median [min-max]")
    heads = ("CPU ms/GET", "p50 ms", "p95 ms", "p99 ms")
    print(f"{'api':<8} {'rate':>5} " + " ".join(f"{h:>22}" for h in heads) + f" {'fail':>5} {'load':>5}")
    for name, by_rate in found.items():
        for rate, runs in by_rate.items():
            if not rate:
                continue
            cells = []
            for key in ("cpu_ms", "p50", "p95", "p99"):
                values = sorted(r[key] for r in runs)
                cells.append(f"{statistics.median(values):.2f} [{values[0]:.2f}-{values[-1]:.2f}]")
            fails = sum(int(r["failures"]) for r in runs)
            load = statistics.median(r["load"] for r in runs)
            print(f"{name:<8} {rate:>5.0f} " + " ".join(f"{c:>22}" for c in cells) + f" {fails:>5} {load:>5.1f}")


def main() -> None:
    """The orders API alone (no worker) on its own PostgreSQL and Kafka; BENCH_READ_BEFORE=<a checkout>
    (or name=<checkout>,...) runs that code's API beside this one, the runs taking turns."""
    logging.disable(logging.INFO)
    base = int(os.environ.get("BENCH_PORT_BASE", "28000")) + 600
    stack = Stack(
        StackConfig(
            name="bench-reads",
            ports=Ports.offset(base),
            start_services=False,
            durable=False,
            namespace="reads" + secrets.token_hex(2),
        )
    )
    stack.start()
    try:
        platform = PlatformSettings(
            kafka_bootstrap_servers=stack.bootstrap, database_url=stack.database_url, namespace=stack.config.namespace
        )
        runtime = bootstrap(OrdersSettings(platform=platform))
        order_id, customer = seed_order(runtime)
        token = mint(platform.jwt_secret, platform.jwt_issuer, "customer", customer, audience=platform.jwt_audience)
        request = f"GET /orders/{order_id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
        given = [p.split("=", 1) for p in os.environ.get("BENCH_READ_BEFORE", "").split(",") if p]
        roots = {**{(p[0] if len(p) == 2 else "before"): Path(p[-1]) for p in given}, "after": repo_root()}
        apis = {}
        for i, (name, root) in enumerate(roots.items()):
            port = base + 50 + i
            apis[name] = (port, start_api(stack, f"orders-api-{name}", root, port, platform.jwt_secret))
        report(asyncio.run(interleaved(apis, request.encode())))
        runtime.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
