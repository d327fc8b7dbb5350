"""Issue 12, item 6, on the real PostgreSQL store and the real sandbox gateway process: a cancellation's
refund owed while the gateway is down is recorded (RefundRequested) and applied without a dead letter;
each attempt's timer is a stored event (X1); when the gateway is back, the next attempt refunds the
capture once, with the refund's own idempotency key, and RefundIssued is published (P6)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from services.payments.adapters.outbound import translate
from services.payments.application.owed import REFUND_RETRY, retry_target
from shared.events import orders as o
from shared.runtime.timers import timer_id
from tests.infra import Harness
from tests.unit.messages import incoming, usd
from tests.unit.payments.test_sandbox import Sandbox

VISA = "4111111111111111"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Sandbox]:
    (tmp_path / "gateway").mkdir()
    sandbox = Sandbox(tmp_path / "gateway").start()
    try:
        yield sandbox
    finally:
        if sandbox.process is not None and sandbox.process.poll() is None:
            sandbox.stop()


def test_P6_X1_a_refund_owed_while_the_gateway_is_down_is_made_once_it_is_back(
    harness: Harness, gateway: Sandbox
) -> None:
    runtime = harness.runtime("payments", provider_url=gateway.url, provider_timeout_seconds=2.0, fraud_share=0.0)
    app = runtime.app
    order_id = str(uuid.uuid4())
    line = o.OrderLine(sku="RING", quantity=12, unit_price=usd(840))
    placed = o.OrderPlaced(
        order_id=order_id, customer_id="cust-6", total=usd(10080), payment_method="card", lines=[line], placed_at=AT
    )
    assert runtime.consumer.apply_batch([incoming("OrderPlaced", placed, 1, AT)]).applied == 1
    captured = app.capture(order_id, "goods", "card", VISA, "key-owed-real-01")
    gateway.stop()  # the gateway goes down
    cancelled = o.OrderCancelled(
        order_id=order_id, customer_id="cust-6", fee=usd(1512), refund=usd(8568), reason="customer", cancelled_at=AT
    )
    result = runtime.consumer.apply_batch([incoming("OrderCancelled", cancelled, 2, AT)])
    assert (result.applied, result.dead) == (1, [])
    payment = app.payment(order_id, "goods")
    [owed] = payment.requested.values()
    assert (owed.amount_minor, owed.attempts, payment.pending_refund_minor) == (8568, 1, 8568)
    assert owed.key.endswith(f":{captured.provider_ref}")
    assert app.timers.fire(timer_id(REFUND_RETRY, retry_target(payment.id, 1, owed.key)))  # still down
    assert app.payment(order_id, "goods").requested[owed.key].attempts == 2
    gateway.start()  # back, with its state (its data directory)
    assert app.timers.fire(timer_id(REFUND_RETRY, retry_target(payment.id, 2, owed.key)))
    assert not app.timers.fire(timer_id(REFUND_RETRY, retry_target(payment.id, 2, owed.key)))  # fired once
    payment = app.payment(order_id, "goods")
    assert (payment.refunded_minor, payment.requested) == (8568, {})
    at_gateway = httpx.get(f"{gateway.url}/v1/captures/{captured.provider_ref}").json()
    assert at_gateway["refunded_minor"] == 8568
    names = [type(e).__name__ for e in app.domain_events(payment.id)]
    assert names[-4:] == ["RefundRequested", "RefundAttemptFailed", "RefundAttemptFailed", "RefundRecorded"]
    issued = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        built = translate(app.mapper.to_domain_event(notification))
        if built and built[0] == "RefundIssued":
            issued.append(built[1].model_dump(mode="json")["amount"]["amount_minor"])
    assert issued == [8568]
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        assert runtime.dead_letters.count_open(conn) == 0
