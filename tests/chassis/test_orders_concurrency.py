"""O1 under concurrency on the real PostgreSQL store (issue 12 item 10): placing an order saves the
order and the customer's cart (their list of orders) in one transaction, so parallel orders of one
customer meet on the cart's version. 50 parallel POST /orders of one customer through the HTTP API,
and 50 orders raced by two application instances (two processes' worth: separate pools, separate
in-process queues), each give 50 distinct orders, every request answered 201, no traceback logged."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.orders.application import Address, Checkout
from shared.events import Money
from shared.events import inventory as inv
from shared.events import shipping as ship
from shared.runtime import store
from shared.runtime.identity import mint
from tests.infra import Harness, eventually
from tests.unit.messages import incoming

REQUESTS, CUSTOMER = 50, "cust-busy"
ADDRESS = Address(name="Ana Ruiz", line1="Calle Mayor 1", city="Madrid", postal_code="28013", country="ES")
DETAILS = Checkout(
    shipping_address=ADDRESS,
    billing_address=ADDRESS,
    payment_method="card",
    contact_email="ana@example.com",
    carrier="DHL",
)


def prepare(runtime: Any) -> None:
    """What orders learns from the other services before a checkout: the listing and the carriers."""
    now = datetime.now(UTC)
    ring = inv.SkuCatalogued(
        sku="RING-STEEL-PEARL", name="Ring", unit_price=Money(amount_minor=450, currency="USD"), moq=12, weight_grams=6
    )
    tariff = ship.CarrierTariffPublished(
        tariff_version="2026-01",
        currency="USD",
        carriers=[ship.CarrierCoverage(carrier="DHL", countries=["ES"], max_weight_grams=30_000)],
        published_at=now - timedelta(days=1),
    )
    result = runtime.consumer.apply_batch(
        [incoming("SkuCatalogued", ring, 1, now), incoming("CarrierTariffPublished", tariff, 1, now)]
    )
    assert (result.applied, result.dead) == (2, [])


def report(what: str, **figures: Any) -> None:
    print(f"\n[O1] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_O1_50_parallel_orders_of_one_customer_over_http_are_50_orders(harness: Harness) -> None:
    orders = harness.runtime("orders")
    prepare(orders)
    harness.stack.start_api("orders")
    url = harness.stack.url("orders")

    def up() -> bool:
        try:
            return httpx.get(f"{url}/livez", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    eventually(up, what="orders API up")
    platform = orders.settings.platform
    headers = {"authorization": f"Bearer {mint(platform.jwt_secret, 'hallmark', 'customer', CUSTOMER)}"}
    address = asdict(ADDRESS)
    body = {
        "shipping_address": address,
        "billing_address": address,
        "payment_method": "card",
        "contact_email": "ana@example.com",
        "carrier": "DHL",
    }

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/orders",
                        json={**body, "lines": [{"sku": "RING-STEEL-PEARL", "quantity": 12 + i}]},
                        headers={**headers, "idempotency-key": f"burst-{i:02d}"},
                    )
                    for i in range(REQUESTS)
                )
            )

    started = time.perf_counter()
    responses = asyncio.run(burst())
    elapsed = time.perf_counter() - started

    assert Counter(r.status_code for r in responses) == {201: REQUESTS}
    placed = {r.json()["order_id"] for r in responses}
    assert len(placed) == REQUESTS
    assert sorted(r.json()["total"]["amount_minor"] for r in responses) == [450 * (12 + i) for i in range(REQUESTS)]
    assert set(orders.app.cart(CUSTOMER).orders) == placed
    log = (harness.stack.run_dir / "logs" / "orders-api.log").read_text()
    assert "Traceback" not in log and "IntegrityError" not in log
    report("HTTP", created=len(placed), elapsed_s=round(elapsed, 2))


def test_O1_two_instances_placing_orders_for_one_customer_decide_again_on_a_conflict(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = harness.runtime("orders"), harness.runtime("orders")
    prepare(first)
    conflicts = Counter[str]()
    pause = store.backoff

    def counted_pause(attempt: int) -> None:
        conflicts["retried"] += 1
        pause(attempt)

    monkeypatch.setattr(store, "backoff", counted_pause)

    def place(i: int) -> str:
        app = (first, second)[i % 2].app
        return str(app.place_order(CUSTOMER, [("RING-STEEL-PEARL", 12 + i)], DETAILS, idempotency_key=f"race-{i}"))

    caplog.set_level(logging.INFO)
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        placed = list(pool.map(place, range(REQUESTS)))
    elapsed = time.perf_counter() - started

    assert len(set(placed)) == REQUESTS
    cart = second.app.cart(CUSTOMER)
    assert sorted(cart.orders) == sorted(placed)
    assert sorted(second.app.get_order(o).total_minor for o in cart.orders) == [450 * (12 + i) for i in range(50)]
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert conflicts["retried"] > 0  # the two instances did meet on the cart, and decided again
    report(
        "two instances", created=len(placed), conflicts_decided_again=conflicts["retried"], elapsed_s=round(elapsed, 2)
    )


def test_O5_the_customer_and_the_manager_cancelling_at_once_cancel_once(harness: Harness) -> None:
    """Two cancels of one order at the same moment, through two application instances (as the customer and
    the account manager did by hand on `make up`, which once answered 500 on the losing save): one cancels
    on the O5 terms, the other is refused as already cancelled; one Cancelled event, no unhandled error."""
    first, second = harness.runtime("orders"), harness.runtime("orders")
    prepare(first)
    order_id = first.app.place_order("cust-cancel", [("RING-STEEL-PEARL", 12)], DETAILS)

    def cancel(app: Any) -> str:
        try:
            terms = app.cancel(order_id)
        except Exception as exc:  # the loser: refused by the rules, never a storage error
            return type(exc).__name__
        return f"cancelled, fee {terms.fee_minor}"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(cancel, (first.app, second.app)))
    assert outcomes == ["CancellationRefused", "cancelled, fee 0"]
    types = [e["type"] for e in second.app.history(order_id)]
    assert types.count("Order.Cancelled") == 1 and second.app.get_order(order_id).status == "Cancelled"
