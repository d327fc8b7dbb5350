"""T1 (only after receipt), T2 (the claim window, to the second), X2 (only the buyer), photos and
idempotency when opening a ticket; on in-memory storage through the policies."""

from __future__ import annotations

import uuid

import pytest

from services.tickets.application import PhotoUpload
from services.tickets.domain.errors import ClaimWindowClosed, InvalidClaim, NotEligible, NotYours, PhotoRefused
from tests.unit.tickets.scenario import MONDAY, PENDANT, RING, SECOND, Scenario, days, jpeg, png


def test_T1_a_ticket_before_receipt_is_refused_naming_T1() -> None:
    s = Scenario()
    order_id = s.place()
    # the order was never heard of, then placed, then signed for: still no receipt confirmation
    with pytest.raises(NotEligible) as unknown:
        s.open("no-such-order")
    assert (unknown.value.field, unknown.value.rule) == ("order_id", "T1")
    s.deliver(order_id)
    with pytest.raises(NotEligible) as before:
        s.open(order_id, "shortage")
    assert (before.value.field, before.value.rule) == ("order_id", "T1")
    assert "only after receipt was confirmed" in str(before.value)
    assert s.published() == []
    # the customer confirms receipt: now the ticket opens
    s.confirm_receipt(order_id)
    ticket = s.open(order_id, "shortage")
    assert (ticket.status, ticket.order_id, ticket.customer_id) == ("awaiting_staff", order_id, "cust-1")
    assert s.published(ticket.id) == [
        (
            "TicketOpened",
            {
                "ticket_id": str(ticket.id),
                "order_id": order_id,
                "customer_id": "cust-1",
                "kind": "shortage",
                "opened_at": "2026-03-09T09:00:00Z",
            },
        )
    ]


def test_X2_only_the_buyer_may_open_a_ticket_on_an_order() -> None:
    s = Scenario()
    order_id = s.received("cust-a")
    with pytest.raises(NotYours) as refused:
        s.open(order_id, customer="cust-b")
    assert (refused.value.field, refused.value.rule) == ("order_id", "X2")
    assert s.app.tickets_of(["cust-b"]) == []


def test_T2_signed_plus_seven_days_is_inside_one_second_later_is_refused_with_the_deadline() -> None:
    s = Scenario()
    signed = MONDAY
    on_time, late = s.place(), s.place()
    for order_id in (on_time, late):
        s.deliver(order_id, signed_at=signed)
        s.confirm_receipt(order_id, at=signed + days(1))
    # exactly 7 days after signing: still inside the window
    s.at(signed + days(7))
    assert s.open(on_time, "damaged").opened_at == signed + days(7)
    # one second later: refused, the deadline named
    s.at(signed + days(7) + SECOND)
    for kind in ("damaged", "defective", "incorrect_item"):
        with pytest.raises(ClaimWindowClosed) as refused:
            s.open(late, kind)
        assert (refused.value.field, refused.value.rule) == ("kind", "T2")
        assert str(refused.value) == (
            f"{kind} items must be claimed within 7 days of the parcel being signed for "
            "(2026-03-09T09:00:00+00:00): the deadline was 2026-03-16T09:00:00+00:00"
        )
    # a shortage or another matter has no such window
    assert s.open(late, "shortage").kind == "shortage"
    assert s.open(late, "other").kind == "other"


def test_T2_the_window_counts_from_signing_not_from_the_confirmation() -> None:
    s = Scenario()
    order_id = s.place()
    s.deliver(order_id, signed_at=MONDAY)
    s.confirm_receipt(order_id, at=MONDAY + days(5))  # confirmed late: the window still ends 7 days after signing
    s.at(MONDAY + days(7) + SECOND)
    with pytest.raises(ClaimWindowClosed):
        s.open(order_id, "damaged")


def test_T2_the_claim_window_is_a_setting() -> None:
    s = Scenario(claim_window_days=3)
    order_id = s.received()
    s.at(MONDAY + days(3) + SECOND)
    with pytest.raises(ClaimWindowClosed, match="within 3 days"):
        s.open(order_id, "damaged")


def test_X3_claimed_items_must_be_in_the_order_and_not_more_than_shipped() -> None:
    s = Scenario()
    order_id = s.received()
    with pytest.raises(InvalidClaim) as unknown:
        s.open(order_id, items={RING: 1, "NO-SUCH": 1})
    assert (unknown.value.field, unknown.value.rule) == ("items.1.sku", "X3")
    with pytest.raises(InvalidClaim) as too_many:
        s.open(order_id, items={PENDANT: 7})
    assert (too_many.value.field, too_many.value.rule) == ("items.0.quantity", "T5")
    assert s.published() == []


def test_photos_are_typed_from_their_bytes_and_kept_in_the_store() -> None:
    s = Scenario()
    order_id = s.received()
    ticket = s.open(order_id, photos=[png(), jpeg()])  # both uploaded under the name photo.jpg
    photos = ticket.messages[0]["photos"]
    assert [(p["content_type"], p["size"]) for p in photos] == [("image/png", len(png())), ("image/jpeg", len(jpeg()))]
    stored = s.app.photo(ticket, uuid.UUID(photos[0]["photo_id"]))
    assert (stored.data, stored.content_type, stored.ticket_id) == (png(), "image/png", ticket.id)


@pytest.mark.parametrize(
    ("photos", "field", "message"),
    [
        ([b"GIF89a" + b"\x00" * 20], "photos.0", "only JPEG or PNG photos are accepted (the bytes are image/gif)"),
        ([png(), b"just text, named photo.jpg"], "photos.1", "(the bytes are not a recognised file type)"),
        ([png(40, 40)], "photos.0", f"the photo is {len(png(40, 40))} bytes; the limit is 100 bytes"),
        ([png()] * 3, "photos", "3 photos; a message may carry at most 2"),
        ([b""], "photos.0", "the photo is empty"),
    ],
)
def test_X3_a_refused_photo_stores_nothing(photos: list[bytes], field: str, message: str) -> None:
    s = Scenario(photo_max_bytes=100, photos_per_message=2)
    order_id = s.received()
    before = s.app.max_notification_id()
    with pytest.raises(PhotoRefused) as refused:
        s.open(order_id, photos=photos)
    assert (refused.value.field, refused.value.rule) == (field, "X3")
    assert message in str(refused.value)
    assert (s.photos.count(), s.app.max_notification_id()) == (0, before)


def test_a_retried_opening_with_the_same_key_is_one_ticket() -> None:
    s = Scenario()
    order_id = s.received()
    first = s.open(order_id, key="k-1", photos=[png()])
    s.at(MONDAY + SECOND)
    again = s.open(order_id, key="k-1", photos=[png()])
    other = s.open(order_id, key="k-2")
    assert first.id == again.id != other.id
    assert [t.id for t in s.app.tickets_of(["cust-1"])] == [other.id, first.id]  # newest first
    assert [e for e, _ in s.published()] == ["TicketOpened", "TicketOpened"]
    assert s.photos.count() == 1


def test_a_retried_message_with_the_same_key_is_added_once() -> None:
    s = Scenario()
    ticket = s.open(s.received())
    s.app.write(ticket.id, "cust-1", "and the clasp too", [PhotoUpload(jpeg())], idempotency_key="m-1")
    s.app.write(ticket.id, "cust-1", "and the clasp too", [PhotoUpload(jpeg())], idempotency_key="m-1")
    assert [m["text"] for m in s.ticket(ticket.id).messages] == ["it arrived like this", "and the clasp too"]
    with pytest.raises(NotYours):
        s.app.write(ticket.id, "cust-2", "not mine", idempotency_key="m-2")
