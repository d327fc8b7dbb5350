"""I2 under concurrency on the real PostgreSQL store and the real broker, for a SKU with 20 on hand:
50 concurrent holds through the HTTP API; 50 holds raced by two application instances (the version
check across processes); 50 orders consumed by two worker replicas of one consumer group. Each ends
with exactly 20 held or reserved, nothing negative, the rest refused or short with the reason."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from eventsourcing.utils import get_topic

from services.inventory.domain.errors import NotEnoughStock
from services.inventory.domain.reservation import Reservation
from shared.events import Money, decode
from shared.events.orders import OrderLine, OrderPlaced
from shared.runtime import store
from shared.runtime.identity import mint
from tests.infra import HARNESS_PORTS, Harness, eventually
from tests.kafka_helpers import metric, produce, read_all
from tests.unit.messages import message_bytes
from tools.launcher.procs import port_open

SKU, STOCK, REQUESTS = "BRAC-STEEL-CHAIN", 20, 50


def catalogue(runtime: Any) -> None:
    runtime.app.add_sku(SKU, "Stainless steel chain bracelet", 510, "USD", moq=1, weight_grams=15, on_hand=STOCK)


def assert_exactly_the_stock_is_committed(runtime: Any, held: int, reserved: int) -> None:
    sku = runtime.app.get_sku(SKU)
    assert (sku.on_hand, sku.held, sku.reserved, sku.available) == (STOCK, held, reserved, 0)
    assert all(h.quantity > 0 for h in sku.holds.values())
    assert all(q > 0 for q in sku.reservations.values())


def report(what: str, **figures: Any) -> None:
    print(f"\n[I2] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_I2_50_concurrent_holds_over_http_hold_exactly_the_20_on_hand(harness: Harness) -> None:
    inventory = harness.runtime("inventory")
    catalogue(inventory)
    harness.stack.start_api("inventory")
    url = harness.stack.url("inventory")

    def up() -> bool:
        try:
            return httpx.get(f"{url}/livez", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    eventually(up, what="inventory API up")
    platform = inventory.settings.platform

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/holds",
                        json={"sku": SKU, "quantity": 1},
                        headers={
                            "authorization": f"Bearer {mint(platform.jwt_secret, 'hallmark', 'customer', f'c{i}')}"
                        },
                    )
                    for i in range(REQUESTS)
                )
            )

    # 50 customers add the bracelet to their carts at the same moment.
    started = time.perf_counter()
    responses = asyncio.run(burst())
    elapsed = time.perf_counter() - started

    assert Counter(r.status_code for r in responses) == {201: STOCK, 409: REQUESTS - STOCK}
    for refused in (r for r in responses if r.status_code == 409):
        [problem] = refused.json()["errors"]
        assert (problem["field"], problem["rule"]) == ("quantity", "I2")
        assert problem["message"] == f"{SKU}: only 0 available, asked for 1"
    assert_exactly_the_stock_is_committed(inventory, held=STOCK, reserved=0)
    assert httpx.get(f"{url}/skus/{SKU}").json()["available"] == 0
    report("HTTP holds", held=STOCK, refused=REQUESTS - STOCK, elapsed_s=round(elapsed, 2))


def test_I2_two_instances_racing_holds_on_one_sku_never_oversell(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = harness.runtime("inventory"), harness.runtime("inventory")
    catalogue(first)
    conflicts = Counter[str]()
    pause = store.backoff

    def counted_pause(attempt: int) -> None:
        conflicts["retried"] += 1
        pause(attempt)

    monkeypatch.setattr(store, "backoff", counted_pause)

    def hold(i: int) -> str:
        app = (first, second)[i % 2].app  # two processes' worth: separate pools, separate in-process locks
        try:
            app.place_hold(f"c{i}", SKU, 1)
        except NotEnoughStock as exc:
            assert (exc.field, exc.rule) == ("quantity", "I2")
            return "refused"
        return "held"

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        outcomes = Counter(pool.map(hold, range(REQUESTS)))
    elapsed = time.perf_counter() - started

    assert outcomes == {"held": STOCK, "refused": REQUESTS - STOCK}
    assert_exactly_the_stock_is_committed(second, held=STOCK, reserved=0)
    report("two instances", **outcomes, version_conflicts_retried=conflicts["retried"], elapsed_s=round(elapsed, 2))


def order_placed(order_id: str, customer: str) -> bytes:
    price = Money(amount_minor=510, currency="USD")
    payload = OrderPlaced(
        order_id=order_id,
        customer_id=customer,
        lines=[OrderLine(sku=SKU, quantity=1, unit_price=price)],
        total=price,
        placed_at=datetime.now(UTC),
    )
    return message_bytes("OrderPlaced", payload, correlation_id=f"corr-{order_id}")


async def _group(bootstrap: str, group: str) -> tuple[str, int]:
    """The consumer group's state and how many members have partitions assigned."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        _, _, state, _, _, members, *_ = response.groups[0]
        return state, sum(1 for member in members if member[-1])
    finally:
        await admin.close()


def start_replica(harness: Harness, replica: int) -> None:
    """Another worker of the same service (the launcher gives it its own metrics port and Faust data dir);
    small batches, so the two replicas' transactions on the one SKU overlap."""
    harness.stack.start_worker("inventory", {"INVENTORY_CONSUMER_BATCH_SIZE": "2"}, replica=replica)


def test_I2_two_worker_replicas_reserve_exactly_the_20_on_hand_for_50_orders(harness: Harness) -> None:
    inventory = harness.runtime("inventory")
    catalogue(inventory)
    ports = {n: HARNESS_PORTS.services["inventory"] + 100 + 10 * n for n in (1, 2)}
    for replica in ports:
        start_replica(harness, replica)
    eventually(lambda: all(port_open(p) for p in ports.values()), timeout=60, what="both replicas' metrics up")
    group = f"{harness.prefix}hallmark-inventory"
    eventually(
        lambda: asyncio.run(_group(harness.infra.bootstrap, group)) == ("Stable", 2),
        timeout=60,
        what="both replicas in the consumer group with partitions",
    )

    # 50 orders of one bracelet each, spread over the partitions (keyed by order id).
    orders = [str(uuid.uuid4()) for _ in range(REQUESTS)]
    topic = f"{harness.prefix}orders.events"
    started = time.perf_counter()
    produce(
        harness.infra.bootstrap,
        topic,
        [
            (o.encode(), order_placed(o, f"c{i}"), [("notification_id", str(i + 1).encode())])
            for i, o in enumerate(orders)
        ],
    )
    made = get_topic(Reservation.Made)
    eventually(
        lambda: len(inventory.app.recorder.select_notifications(start=1, limit=1000, topics=[made])) == REQUESTS,
        timeout=60,
        what="50 reservations",
    )
    elapsed = time.perf_counter() - started

    # Exactly 20 reserved in full, 30 entirely short with the shortage stated; nothing negative.
    lines = [inventory.app.reservation(o).lines[0] for o in orders]
    assert Counter((line.reserved, line.short) for line in lines) == {(1, 0): STOCK, (0, 1): REQUESTS - STOCK}
    assert_exactly_the_stock_is_committed(inventory, held=0, reserved=STOCK)

    # Both replicas did part of the work, and each message was applied once.
    applied = {
        name: metric(
            httpx.get(f"http://127.0.0.1:{port}/metrics").text, "hallmark_events_consumed_total", outcome="applied"
        )
        for name, port in ports.items()
    }
    assert sum(applied.values()) == REQUESTS and all(applied.values()), applied

    # What the orders service hears: 50 StockReserved, 20 in full and 30 short.
    def published() -> list[Any]:
        found = {}
        for record in read_all(harness.infra.bootstrap, inventory.topic):
            envelope, payload = decode(record.value)
            if envelope.event_type == "StockReserved":
                found[envelope.event_id] = payload
        return list(found.values()) if len(found) == REQUESTS else []

    stock_reserved = eventually(published, timeout=30, what="50 StockReserved published")
    assert Counter(p.lines[0].short for p in stock_reserved) == {0: STOCK, 1: REQUESTS - STOCK}
    logged = "".join(p.read_text() for p in (harness.stack.run_dir / "logs").glob("inventory-worker-*.log"))
    conflicts = {
        "batches": logged.count('"msg": "version conflict on a batch'),
        "messages_applied_again": logged.count('"msg": "version conflict: applying again'),
    }
    report("two worker replicas", reserved=STOCK, short=REQUESTS - STOCK, applied=applied, **conflicts)
    report("two worker replicas", elapsed_s=round(elapsed, 2))
