"""GET one order at a fixed arrival rate (open loop), through a lean keep-alive HTTP/1.1 client so the
load generator's own cost stays small; latency counts from each request's scheduled instant."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from benchmarks.procstat import cpu_seconds

RATE = 500.0
SECONDS = 10.0


class Connections:
    """Idle keep-alive connections to one host; a new one when none is free."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, request: bytes) -> int:
        reader, writer = self.idle.pop() if self.idle else await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
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

    async def one(at: float) -> None:
        nonlocal failures
        try:
            if await connections.get(request) != 200:
                failures += 1
        except (OSError, asyncio.IncompleteReadError):
            failures += 1
        latencies.append(time.monotonic() - at)

    start, tasks = time.monotonic(), []
    for k in range(int(rate * seconds)):
        at = start + k / rate
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        tasks.append(asyncio.create_task(one(at)))
    await asyncio.gather(*tasks)
    connections.close()
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
