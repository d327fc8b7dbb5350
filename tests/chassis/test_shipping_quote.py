"""Shipping on the real broker and store: a worker consumes OrderPlaced, GoodsPrepared and the
shipping payment from their topics, publishes the tariff coverage and the quote (S1) on
shipping.events, e-mails the quote over SMTP, and dispatches once the shipping is paid (S2)."""

from __future__ import annotations

import email
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.events import Money
from shared.events.inventory import GoodsPrepared
from shared.events.orders import Address, OrderLine, OrderPlaced
from shared.events.payments import PaymentCaptured
from tests.infra import Harness, eventually
from tests.kafka_helpers import produce, read_all
from tests.unit.messages import message_bytes
from tools.launcher.auxiliary import MAIL_SINK

ADDRESS = Address(name="Ana Ruiz", line1="Calle Mayor 1", city="Madrid", postal_code="28013", country="ES")


def usd(minor: int) -> Money:
    return Money(amount_minor=minor, currency="USD")


def send(harness: Harness, service: str, event_type: str, payload: BaseModel, notification_id: int) -> None:
    order_id: str = payload.order_id  # type: ignore[attr-defined]
    value = message_bytes(event_type, payload, correlation_id=f"corr-{order_id}")
    headers = [("notification_id", str(notification_id).encode())]
    produce(harness.infra.bootstrap, f"{harness.prefix}{service}.events", [(order_id.encode(), value, headers)])


def published(harness: Harness) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in read_all(harness.infra.bootstrap, f"{harness.prefix}shipping.events")]


def test_S1_S2_a_worker_quotes_from_the_topics_emails_the_quote_and_dispatches_once_paid(harness: Harness) -> None:
    harness.stack.start_auxiliary(MAIL_SINK)
    shipping = harness.runtime("shipping")
    harness.start_worker("shipping")
    order_id = str(uuid.uuid4())
    now = datetime.now(UTC)

    # Orders placed the order (DHL to Spain); inventory prepared a 720 g parcel.
    placed = OrderPlaced(
        order_id=order_id,
        customer_id="cust-1",
        lines=[OrderLine(sku="RING-STEEL-PEARL", quantity=12, unit_price=usd(450))],
        total=usd(5400),
        payment_method="card",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        carrier="DHL",
        contact_email="ana@example.com",
        placed_at=now,
    )
    send(harness, "orders", "OrderPlaced", placed, 1)
    send(harness, "inventory", "GoodsPrepared", GoodsPrepared(order_id=order_id, weight_grams=720, prepared_at=now), 1)

    # S1: the coverage (once) and the quote are on shipping.events; the quote names the table version.
    def quoted() -> list[dict[str, Any]]:
        return [e for e in published(harness) if e["event_type"] == "ShippingQuoted"]

    (quote,) = eventually(quoted, timeout=60, what="ShippingQuoted on shipping.events")
    assert (quote["order_id"], quote["payload"]["cost"], quote["payload"]["tariff_version"]) == (
        order_id,
        {"amount_minor": 1890, "currency": "USD"},
        "2026-01",
    )
    tariffs = [e for e in published(harness) if e["event_type"] == "CarrierTariffPublished"]
    assert [e["payload"]["tariff_version"] for e in tariffs] == ["2026-01"]

    # The quote e-mail reached the SMTP sink.
    def mails() -> list[Any]:
        return [email.message_from_bytes(p.read_bytes()) for p in harness.stack.mail_dir.glob("*.eml")]

    (mail,) = eventually(mails, timeout=30, what="quote e-mail")
    assert (mail["To"], mail["Subject"]) == ("ana@example.com", f"Shipping cost for your order {order_id[:8]}")

    # S2: paid by card -> the shipment is settled and ops dispatch it; ParcelDispatched follows.
    paid = PaymentCaptured(order_id=order_id, purpose="shipping", method="card", amount=usd(1890), captured_at=now)
    send(harness, "payments", "PaymentCaptured", paid, 1)
    eventually(lambda: shipping.app.shipment(order_id).settled, timeout=30, what="shipping payment recorded")
    tracking = shipping.app.dispatch(order_id, "ops-1").tracking_number
    dispatched = eventually(
        lambda: [e for e in published(harness) if e["event_type"] == "ParcelDispatched"], timeout=30, what="dispatch"
    )
    assert [e["payload"]["tracking_number"] for e in dispatched] == [tracking]
