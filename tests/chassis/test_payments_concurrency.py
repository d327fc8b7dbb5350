"""Payments under concurrency on the real PostgreSQL store and the real sandbox gateway process:
retried captures never charge twice (P4), deposits never go below zero (P3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from services.payments.domain import InsufficientDeposit, Payment
from tests.infra import Harness
from tests.unit.payments.test_sandbox import Sandbox

VISA = "4111111111111111"


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Sandbox]:
    (tmp_path / "gateway").mkdir()
    sandbox = Sandbox(tmp_path / "gateway").start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_P4_twenty_concurrent_retries_with_one_key_charge_once(harness: Harness, gateway: Sandbox) -> None:
    runtime = harness.runtime("payments", provider_url=gateway.url, fraud_share=0.0)
    app = runtime.app
    order_id = str(uuid.uuid4())
    app.save(Payment.request(order_id, "goods", 5400, "USD", "card", "cust-1", app.clock.now()))
    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(lambda _: app.capture(order_id, "goods", "card", VISA, "retry-key-0001"), range(20)))
    refs = {o.provider_ref for o in outcomes}
    assert len(refs) == 1 and {o.status for o in outcomes} == {"captured"}
    payment = app.payment(order_id, "goods")
    assert (len(payment.captures), payment.captured_minor, payment.refunded_minor) == (1, 5400, 0)
    assert [e["type"] for e in app.history(payment.id)] == [
        "Payment.Requested",
        "Payment.CaptureRecorded",
        "Payment.ConfirmationReleased",
    ]
    charged = httpx.get(f"{gateway.url}/v1/captures/{refs.pop()}").json()
    assert charged["amount_minor"] == 5400


def test_P3_the_deposit_never_goes_below_zero_under_concurrent_debits(harness: Harness) -> None:
    runtime = harness.runtime("payments", fraud_share=0.0)
    app = runtime.app
    app.credit_deposit("cust-9", 5000, "USD", "wire-0001")

    def debit(i: int) -> str:
        try:
            app.pay_from_deposit(f"order-{i}", "cust-9", 1000, "USD")
            return "debited"
        except InsufficientDeposit:
            return "refused"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(debit, range(20)))
    assert (results.count("debited"), results.count("refused")) == (5, 15)
    account = app.deposit("cust-9")
    assert account.balance_minor == 0
    assert sum(1 for e in app.history(account.id) if e["type"] == "DepositAccount.Debited") == 5
