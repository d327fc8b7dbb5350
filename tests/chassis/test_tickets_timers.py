"""Tickets on real Kafka and PostgreSQL: the order facts arrive from the orders and shipping topics,
a ticket opens after receipt (T1) with its photo stored in the tickets database, and the automatic
closing (T4) is a durable timer (X1) that survives a worker restart and fires as the manual clock
passes it, publishing TicketAutoClosed on tickets.events."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from pydantic import BaseModel

from services.tickets.application import PhotoUpload
from services.tickets.application.deadlines import AUTO_CLOSE, target
from shared.events import Money
from shared.events.orders import OrderLine, OrderPlaced
from shared.events.shipping import ParcelDelivered, ReceiptConfirmed
from tests.infra import Harness, eventually
from tests.kafka_helpers import produce, read_all
from tests.unit.messages import message_bytes
from tests.unit.tickets.scenario import png


def message(event_type: str, payload: BaseModel, order_id: str, notification_id: int) -> tuple[bytes, bytes, list]:
    value = message_bytes(event_type, payload, correlation_id=f"corr-{order_id}")
    return order_id.encode(), value, [("notification_id", str(notification_id).encode())]


def test_T4_X1_auto_close_survives_a_worker_restart_and_reaches_the_topic(harness: Harness) -> None:
    tickets = harness.runtime("tickets")
    app = tickets.app
    harness.start_worker("tickets")

    # the order is placed, signed for and its receipt confirmed (orders and shipping, on the broker)
    order_id, now = str(uuid.uuid4()), tickets.clock.now()
    line = OrderLine(sku="RING-STEEL-PEARL", quantity=12, unit_price=Money(amount_minor=450, currency="USD"))
    placed = OrderPlaced(
        order_id=order_id,
        customer_id="cust-1",
        lines=[line],
        total=Money(amount_minor=5400, currency="USD"),
        placed_at=now,
    )
    produce(harness.infra.bootstrap, f"{harness.prefix}orders.events", [message("OrderPlaced", placed, order_id, 1)])
    delivered = ParcelDelivered(order_id=order_id, signed_by="A. Ruiz", delivered_at=now)
    receipt = ReceiptConfirmed(order_id=order_id, customer_id="cust-1", confirmed_at=now)
    produce(
        harness.infra.bootstrap,
        f"{harness.prefix}shipping.events",
        [message("ParcelDelivered", delivered, order_id, 1), message("ReceiptConfirmed", receipt, order_id, 2)],
    )
    eventually(
        lambda: (
            (r := app.known_order_record(order_id)) is not None
            and r.receipt_confirmed_at is not None
            and "RING-STEEL-PEARL" in r.lines
        ),
        # the two topics are consumed independently: the receipt may be recorded before the placement
        what="placement recorded from orders.events and receipt from shipping.events",
    )

    # T1: the ticket opens; its photo is kept in the tickets database, not on disk
    ticket_id = app.open_ticket(
        "cust-1", order_id, "damaged", "a bent ring", {"RING-STEEL-PEARL": 1}, [PhotoUpload(png())]
    )
    photo_id = uuid.UUID(app.get_ticket(ticket_id).messages[0]["photos"][0]["photo_id"])
    stored = app.photos.get(photo_id)
    assert stored is not None and (stored.content_type, stored.data) == ("image/png", png())

    # staff reply: the ticket will close itself 7 days later unless the customer answers
    replied = app.reply(ticket_id, "am-1", "could you send another photo?")
    close_at = replied.auto_close_at
    assert close_at is not None and close_at - replied.messages[-1]["at"] == timedelta(days=7)
    timer_target = target(ticket_id, 2)
    eventually(
        lambda: any(t["kind"] == AUTO_CLOSE and t["target"] == timer_target for t in app.timers.pending()),
        what="auto-close timer indexed",
    )

    # X1: the worker stops; the clock passes the deadline; a new worker fires the timer it finds
    harness.stop_worker("tickets")
    tickets.clock.advance((close_at - tickets.clock.now()).total_seconds() + 1)
    harness.start_worker("tickets")
    eventually(lambda: app.get_ticket(ticket_id).status == "auto_closed", timeout=60, what="ticket auto-closed")
    assert app.get_ticket(ticket_id).closed_at >= close_at

    def published() -> list[dict]:
        records = read_all(harness.infra.bootstrap, f"{harness.prefix}tickets.events")
        return [json.loads(r.value) for r in records if r.key == order_id.encode()]

    found = eventually(
        lambda: [e for e in published() if e["event_type"] == "TicketAutoClosed"], what="TicketAutoClosed published"
    )
    assert len(found) == 1
    assert found[0]["payload"]["ticket_id"] == str(ticket_id)
    assert found[0]["payload"]["order_id"] == order_id
    assert [e["event_type"] for e in published()] == ["TicketOpened", "TicketAutoClosed"]
