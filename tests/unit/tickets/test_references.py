"""T5: a RefundIssued names the ticket refund request it answers by its `reference`; refunds published
before RefundIssued had one are still matched by the tag at the end of their reason."""

from __future__ import annotations

from services.tickets.adapters.references import refund_id_in, tagged

REFUND_ID = "5b1e9a3c-7d2f-5e4a-8c6b-1f3d5a7c9e0b"
OTHER_ID = "0c4e8a2b-6d1f-4a3e-9b5c-7e2d4f6a8c10"


def test_T5_a_refund_is_matched_by_its_reference_first() -> None:
    assert refund_id_in(tagged("shortage: 1 x RING", OTHER_ID), reference=REFUND_ID) == REFUND_ID
    assert refund_id_in("shortage: 1 x RING", reference=REFUND_ID) == REFUND_ID


def test_T5_without_a_reference_the_tag_in_the_reason_names_the_request() -> None:
    assert refund_id_in(tagged("shortage: 1 x RING", REFUND_ID)) == REFUND_ID
    assert refund_id_in(tagged("shortage: 1 x RING", REFUND_ID), reference=None) == REFUND_ID


def test_T5_a_refund_no_ticket_asked_for_names_no_request() -> None:
    assert refund_id_in("stock shortfall after confirmation", reference=None) is None
    assert refund_id_in("customer request", reference="") is None
