"""The load of the end-to-end bench: orders placed over HTTP and paid by card at a fixed arrival rate
(open loop), OrderPlaced and OrderConfirmed watched on Kafka, and what one step of the ladder cost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.lean_http import HttpError, LeanClient
from benchmarks.procstat import cpu_by_process
from shared.events import PARTITIONS
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.procs import home
from tools.launcher.stack import Ports, Stack, StackConfig

STEP_SECONDS = float(os.environ.get("BENCH_STEP_SECONDS", "20"))
DRAIN_SECONDS = 30.0
SKU = "BENCH-STEEL-RING"
ADDRESS = {"name": "Bench", "line1": "Calle 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}
ORDER = orjson.dumps(
    {
        "lines": [{"sku": SKU, "quantity": 1}],
        "shipping_address": ADDRESS,
        "billing_address": ADDRESS,
        "payment_method": "card",
        "contact_email": "bench@example.com",
        "carrier": "DHL",
    }
)
CAPTURE = orjson.dumps({"method": "card", "source": "4111 1111 1111 1111"})


@dataclass
class Step:
    rate: float
    sent: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    not_yet: int = 0  # captures answered 404 (payments had not seen the order yet)


class Bench:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        secret = PlatformSettings().jwt_secret
        self.ops = {"authorization": "Bearer " + mint(secret, "hallmark", "ops", "bench-ops")}
        self.secret = secret
        self.http = LeanClient(timeout=30)  # httpx cost the generator ~6 ms CPU per order (lean_http.py)
        self.confirmed: dict[str, float] = {}
        self.arrived = asyncio.Event()
        self.placed: dict[str, asyncio.Event] = {}  # OrderPlaced seen on Kafka
        self.last_order = ("", "")  # (order id, customer) of the last order placed

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
                kind = headers.get("event_type")
                if kind == b"OrderConfirmed" and message.key:
                    self.confirmed.setdefault(message.key.decode(), time.monotonic())
                    self.arrived.set()
                elif kind == b"OrderPlaced" and message.key:
                    self.placed.setdefault(message.key.decode(), asyncio.Event()).set()
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
        if response.status_code >= 300:
            raise RuntimeError(f"POST /skus answered {response.status_code}: {response.content!r}")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # orders knows the SKU and the carriers' coverage (S1) once
            # SkuCatalogued and CarrierTariffPublished reached it
            if await self.order_once(Step(0), f"warm-{secrets.token_hex(3)}"):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the orders service never learned the bench SKU or the carriers' coverage")

    async def order_once(self, step: Step, customer: str) -> bool:
        t0 = time.monotonic()
        headers = self.customer(customer)
        try:
            placed = await self.http.post(f"{self.stack.url('orders')}/orders", json=ORDER, headers=headers)
            if placed.status_code != 201:
                step.errors.append(f"place {placed.status_code}")
                return False
            order_id = placed.json()["order_id"]
            step.sent[order_id] = t0
            self.last_order = (order_id, customer)
            url = f"{self.stack.url('payments')}/payments/{order_id}/goods/capture"
            # Payments answers 404 until it has consumed OrderPlaced: capture once the event is on Kafka,
            # then retry with a growing pause, so polling does not load the payments API.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.placed.setdefault(order_id, asyncio.Event()).wait(), 20)
            # The first pause is 25 ms (was 10): with the lean client the generator sees OrderPlaced sooner, and
            # each early capture is a whole request (a 404) the payments API pays for.
            deadline, pause = time.monotonic() + 20, 0.025
            while time.monotonic() < deadline:
                paid = await self.http.post(url, json=CAPTURE, headers={**headers, "idempotency-key": order_id})
                if paid.status_code != 404:
                    break
                step.not_yet += 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.16)
            if paid.status_code >= 300:
                step.errors.append(f"capture {paid.status_code}")
                return False
            return True
        except (HttpError, TimeoutError) as exc:  # the kind, and for HttpError what failed (connect, lost, ...)
            step.errors.append(type(exc).__name__ + (f" ({str(exc).split(':')[0]})" if str(exc) else ""))
            return False

    async def run_step(self, rate: float, idle: dict[str, float] | None = None) -> dict[str, Any]:
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
        seconds = time.monotonic() - start
        done = {o: self.confirmed[o] - t for o, t in step.sent.items() if o in self.confirmed}
        last = max((self.confirmed[o] for o in done), default=start)
        latencies = sorted(done.values())
        cpu = {name: round(cpu_after.get(name, 0) - cpu_before.get(name, 0), 2) for name in cpu_after}
        services = sum(v for k, v in cpu.items() if k != "load-generator")
        fixed = sum((idle or {}).values()) * seconds  # what the processes burn at rest over the step
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
            "captures_404": step.not_yet,
            "seconds": round(seconds, 1),
            "cpu_seconds": cpu,
            "cpu_ms_per_order": round(services / max(len(done), 1) * 1000, 1),
            "marginal_cpu_ms_per_order": round((services - fixed) / max(len(done), 1) * 1000, 1),
            "load_average_1m": round(os.getloadavg()[0], 1),
        }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def write_result(kind: str, document: dict[str, Any]) -> None:
    """Write a bench's result as JSON under `.hallmark/bench/<kind>-<time>.json` and say where."""
    out = home() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(document, indent=2))
    print(f"written to {path}")


def bench_stack(name: str, namespace: str) -> Stack:
    """The whole system for an end-to-end bench: a throwaway stack at `BENCH_PORT_BASE` on the real
    clock, every order confirmed without a fraud review (its own topic namespace, so runs never meet)."""
    return Stack(
        StackConfig(
            name=name,
            ports=Ports.offset(int(os.environ.get("BENCH_PORT_BASE", "28000"))),
            durable=False,
            clock="system",
            environment="test",
            namespace=namespace + secrets.token_hex(2),
            extra_env={"PAYMENTS_FRAUD_SHARE": "0"},  # every order is confirmed without a review
        )
    )
