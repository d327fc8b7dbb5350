"""X4 in the services that consume orders' events: payments seal the card's last four digits,
shipping who signed for the parcel (in its store and in the published ParcelDelivered), tickets every
message text, each under the customer's key in its own key table. On orders' `CustomerForgotten`
each destroys its keys: its replays read `[erased]`, amounts and statuses stay, no stored byte changes,
tickets delete the customer's photos, and the same message again changes nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.tickets.application import PhotoUpload
from shared.events.orders import CustomerForgotten
from tests.unit.payments.scenario import VISA, PaymentsScenario
from tests.unit.shipping.scenario import ShippingScenario
from tests.unit.tickets.scenario import Scenario as TicketsScenario
from tests.unit.tickets.scenario import png


def forgotten(s: Any, customer: str = "cust-1") -> Any:
    return s.feed(
        "CustomerForgotten", CustomerForgotten(customer_id=customer, forgotten_at=s.clock.now(), forgotten_by="ops-1")
    )


def stored(app: Any) -> bytes:
    return b"\n".join(n.state for n in app.recorder.select_notifications(start=1, limit=100_000))


def test_X4_payments_seal_the_card_last_four_and_forget_them_on_CustomerForgotten() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-card-0001")
    other = s.placed(1200, customer="cust-2")
    s.app.capture(other, "goods", "card", VISA, "key-card-0002")
    before = stored(s.app)
    assert b'"last4"' not in before  # only the sealed token is stored
    assert s.app.payment(order_id, "goods").captures[0].last4 == "1111"

    forgotten(s)
    forgotten(s)  # redelivered: nothing more to destroy

    payment = s.app.payment(order_id, "goods")
    replayed: Any = s.app.replay_as_of(payment.id, None)
    for seen in (payment, replayed):
        assert (seen.captures[0].last4, seen.captures[0].network) == ("[erased]", "visa")
        assert (seen.paid_minor, seen.closed) == (5400, payment.closed)
    assert s.app.payment(other, "goods").captures[0].last4 == "1111"  # another customer's key stays
    assert stored(s.app).startswith(before)  # nothing rewritten


def test_X4_shipping_seals_who_signed_in_its_store_and_on_the_topic_and_forgets_it() -> None:
    s = ShippingScenario()
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    s.advance(timedelta(hours=20))
    s.update(order_id, "delivered", signed_by="A. Ruiz")
    published_before = s.published()
    assert b"A. Ruiz" not in stored(s.app) + str(published_before).encode()
    assert s.shipment(order_id).delivered["signed_by"] == "A. Ruiz"  # type: ignore[index]

    forgotten(s)

    shipment = s.shipment(order_id)
    replayed: Any = s.app.replay_as_of(shipment.id, None)
    seen: Any
    for seen in (shipment, replayed):
        assert (seen.delivered["signed_by"], seen.updates[-1]["signed_by"], seen.status) == (
            "[erased]",
            "[erased]",
            "delivered",
        )
    assert (replayed.quote, replayed.payment) == (shipment.quote, shipment.payment)  # amounts as they were
    assert s.published() == published_before  # the same token, republished byte for byte


def test_X4_tickets_seal_every_message_text_delete_the_photos_and_forget_the_texts() -> None:
    s = TicketsScenario()
    order_id = s.received()
    ticket = s.open(order_id, photos=[png()])
    s.app.reply(ticket.id, "staff-1", "Sorry Ana, we send a new ring to Calle Mayor 1")
    s.app.write(ticket.id, "cust-1", "Thanks, my phone is 600 123 456", [PhotoUpload(png(2, 2), "b.png")])
    raw = stored(s.app)
    assert [t for t in (b"arrived like this", b"Calle Mayor", b"600 123 456") if t in raw] == []
    assert [m["text"] for m in s.ticket(ticket.id).messages] == [
        "it arrived like this",
        "Sorry Ana, we send a new ring to Calle Mayor 1",
        "Thanks, my phone is 600 123 456",
    ]
    assert s.photos.count() == 2

    forgotten(s)

    replayed: Any = s.app.replay_as_of(ticket.id, None)
    for seen in (s.ticket(ticket.id), replayed):
        assert [m["text"] for m in seen.messages] == ["[erased]"] * 3
        assert (seen.status, seen.kind, len(seen.messages[0]["photos"])) == ("awaiting_staff", "damaged", 1)
    assert s.photos.count() == 0
    assert stored(s.app).startswith(raw)
