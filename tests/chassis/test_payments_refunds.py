"""Tickets' refunds and the gateway's idempotency keys on the real PostgreSQL store and the real sandbox
gateway process: one client key for the goods and the shipping charges both (P4, P7); a ticket's refund
request asked twice refunds the capture once (T5, P6), and one with nothing left is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.payments.adapters.outbound import translate
from shared.events import Money
from shared.events import orders as o
from shared.events import shipping as s
from shared.events import tickets as t
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
        sandbox.stop()


def placed(order_id: str) -> o.OrderPlaced:
    line = o.OrderLine(sku="RING", quantity=12, unit_price=usd(450))
    return o.OrderPlaced(
        order_id=order_id, customer_id="cust-3", total=usd(5400), payment_method="card", lines=[line], placed_at=AT
    )


def quoted(order_id: str) -> s.ShippingQuoted:
    cost = usd(2350)
    return s.ShippingQuoted(
        order_id=order_id, carrier="DHL", country="ES", weight_grams=80, cost=cost, tariff_version="v1", quoted_at=AT
    )


def asked(order_id: str, purpose: str, amount: int, refund_id: str) -> t.TicketRefundRequested:
    return t.TicketRefundRequested(
        refund_id=refund_id,
        ticket_id=str(uuid.uuid4()),
        order_id=order_id,
        customer_id="cust-3",
        purpose=purpose,  # type: ignore[arg-type]
        amount=Money(amount_minor=amount, currency="USD"),
        reason=f"T5 shortage: 2 x RING [ticket-refund:{refund_id}]",
        requested_at=AT,
    )


def test_T5_P6_P4_P7_ticket_refunds_on_the_real_store_and_gateway(harness: Harness, gateway: Sandbox) -> None:
    runtime = harness.runtime("payments", provider_url=gateway.url, fraud_share=0.0)
    app = runtime.app
    order_id = str(uuid.uuid4())
    assert runtime.consumer.apply_batch([incoming("OrderPlaced", placed(order_id), 1, AT)]).applied == 1
    # One client key for the goods and then the shipping: the gateway sees two keys, charges both.
    goods = app.capture(order_id, "goods", "card", VISA, "key-client-0042")
    assert runtime.consumer.apply_batch([incoming("ShippingQuoted", quoted(order_id), 2, AT)]).applied == 1
    shipping = app.capture(order_id, "shipping", "card", VISA, "key-client-0042")
    retried = app.capture(order_id, "shipping", "card", VISA, "key-client-0042")
    assert (goods.status, shipping.status, retried) == ("captured", "captured", shipping)
    assert goods.provider_ref != shipping.provider_ref
    charged = [httpx.get(f"{gateway.url}/v1/captures/{c.provider_ref}").json() for c in (goods, shipping)]
    assert [c["amount_minor"] for c in charged] == [5400, 2350]
    # A ticket's refund asked twice (two messages, one refund id), and one for more than is left.
    refund_id, too_late = str(uuid.uuid4()), str(uuid.uuid4())
    first = incoming("TicketRefundRequested", asked(order_id, "shipping", 310, refund_id), 3, AT)
    again = incoming("TicketRefundRequested", asked(order_id, "shipping", 310, refund_id), 4, AT)
    result = runtime.consumer.apply_batch([first, again])
    assert (result.applied, result.dead) == (2, [])
    rest = incoming("TicketRefundRequested", asked(order_id, "shipping", 5000, str(uuid.uuid4())), 5, AT)
    nothing = incoming("TicketRefundRequested", asked(order_id, "shipping", 1, too_late), 6, AT)
    assert runtime.consumer.apply_batch([rest, nothing]).applied == 2
    refunded = httpx.get(f"{gateway.url}/v1/captures/{shipping.provider_ref}").json()["refunded_minor"]
    assert (refunded, app.payment(order_id, "shipping").refunded_minor) == (2350, 2350)
    answers = []
    for notification in app.recorder.select_notifications(start=1, limit=1000):
        built = translate(app.mapper.to_domain_event(notification))
        if built and built[0] in ("RefundIssued", "RefundRefused"):
            payload = built[1].model_dump(mode="json")
            answers.append((built[0], payload["purpose"], payload["reference"], payload["amount"]["amount_minor"]))
    assert answers == [
        ("RefundIssued", "shipping", refund_id, 310),
        ("RefundIssued", "shipping", answers[1][2], 2040),
        ("RefundRefused", "shipping", too_late, 1),
    ]
