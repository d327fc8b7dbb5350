"""The shipping of orders paid from a deposit (P7, P3) on the real PostgreSQL store: quotes applied
from two partitions at once, and customers paying awaited shipping concurrently, never take the
balance below zero and never debit a shipping twice."""

from __future__ import annotations

import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from shared.events import orders as o
from shared.events import shipping as s
from shared.runtime.messages import Incoming
from tests.infra import Harness
from tests.unit.messages import incoming, usd

GOODS, SHIPPING = 5400, 2350
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def placed(order_id: str, nid: int) -> Incoming:
    line = o.OrderLine(sku="RING", quantity=12, unit_price=usd(450))
    order = o.OrderPlaced(
        order_id=order_id,
        customer_id="cust-7",
        total=usd(GOODS),
        payment_method="deposit",
        lines=[line],
        placed_at=AT,
    )
    return incoming("OrderPlaced", order, nid, AT)


def quoted(order_id: str, nid: int, partition: int) -> Incoming:
    quote = s.ShippingQuoted(
        order_id=order_id,
        carrier="FedEx",
        country="DE",
        weight_grams=640,
        cost=usd(SHIPPING),
        tariff_version="FedEx-2026-01",
        quoted_at=AT,
    )
    return dataclasses.replace(incoming("ShippingQuoted", quote, nid, AT), partition=partition)


def test_P7_P3_shipping_quotes_and_payments_racing_on_one_deposit_never_take_it_below_zero(harness: Harness) -> None:
    runtime = harness.runtime("payments", fraud_share=0.0)
    app = runtime.app
    orders = [str(uuid.uuid4()) for _ in range(10)]
    # The deposit pays ten orders' goods and covers three of their shipping quotes.
    app.credit_deposit("cust-7", 10 * GOODS + 3 * SHIPPING, "USD", "wire-7001")
    assert (
        runtime.consumer.apply_batch([placed(order_id, i) for i, order_id in enumerate(orders, start=1)]).applied == 10
    )
    assert app.deposit("cust-7").balance_minor == 3 * SHIPPING
    # The ten quotes arrive on two partitions, applied at once (two consumers).
    halves = [[quoted(order_id, i, p) for i, order_id in enumerate(orders, start=1) if i % 2 == p] for p in (0, 1)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(runtime.consumer.apply_batch, halves))
    assert sum(r.applied for r in results) == 10 and [r.dead for r in results] == [[], []]
    account = app.deposit("cust-7")
    debited = [order_id for order_id in orders if account.debited_for(order_id, "shipping")]
    awaiting = [order_id for order_id in orders if account.awaiting(order_id, "shipping") == SHIPPING]
    assert (len(debited), len(awaiting), account.balance_minor) == (3, 7, 0)
    # A top-up for the seven; each customer click races with a second one.
    app.credit_deposit("cust-7", 7 * SHIPPING, "USD", "wire-7002")
    with ThreadPoolExecutor(14) as pool:
        list(pool.map(lambda order_id: app.pay_awaited_from_deposit(order_id, "cust-7", "shipping"), awaiting * 2))
    account = app.deposit("cust-7")
    assert account.balance_minor == 0
    assert [account.debited_for(order_id, "shipping") for order_id in orders] == [SHIPPING] * 10
    debits = [e for e in app.history(account.id) if e["type"] == "DepositAccount.Debited"]
    assert len(debits) == 20  # ten goods, ten shipping: none twice
