"""T5/P6: an after-sale ticket's refund request (TicketRefundRequested) goes back to the original method of
the payment for its purpose - the goods (or a sample order's fee), or the shipping - once per refund id,
capped by what was paid for that purpose and not yet refunded. The answer names the request:
RefundIssued(reference=refund_id, purpose), or RefundRefused when nothing is left to give back."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.payments.application.policies import POLICIES, PaymentsPort
from services.payments.domain import payment_id
from shared.events import decode
from tests.unit.messages import incoming
from tests.unit.payments.scenario import VISA, PaymentsScenario

USD = "USD"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "events" / "samples"
PDF = b"%PDF-1.7 wire transfer"


def answers(s: PaymentsScenario) -> list[tuple[Any, ...]]:
    """(type, purpose, reference, amount, method or refusal reason) of each refund answer published."""
    out = []
    for event_type, p in s.published():
        if event_type == "RefundIssued":
            out.append((event_type, p["purpose"], p["reference"], p["amount"]["amount_minor"], p["method"]))
        elif event_type == "RefundRefused":
            out.append((event_type, p["purpose"], p["reference"], p["amount"]["amount_minor"], p["reason"]))
    return out


def ask(s: PaymentsScenario, order_id: str, purpose: str, amount: int, refund_id: str | None = None) -> str:
    """Tickets asks for a refund; the message is applied (never dead-lettered). Returns the refund id."""
    refund_id = refund_id or str(uuid.uuid4())
    result = s.feed("TicketRefundRequested", s.ticket_refund_request(order_id, purpose, amount, refund_id))
    assert (result.applied, result.dead) == (1, [])
    return refund_id


def paid_by(s: PaymentsScenario, method: str, source: str, goods: int = 5400, shipping: int = 2350) -> str:
    order_id = s.placed(goods, method=method)
    s.app.capture(order_id, "goods", method, source, "key-goods-0001")
    s.quoted(order_id, shipping)
    s.app.capture(order_id, "shipping", method, source, "key-ship-0001")
    return order_id


def test_T5_payments_answers_tickets_refund_requests() -> None:
    port: PaymentsPort = PaymentsScenario().app  # checked by mypy against the Protocol
    assert port.ticket_refund(str(uuid.uuid4())) is None
    assert "TicketRefundRequested" in POLICIES


@pytest.mark.parametrize(("method", "source"), [("card", VISA), ("paypal", "payer-7781")])
def test_T5_P6_a_ticket_refund_goes_back_to_the_card_or_paypal_capture_of_its_purpose_once(
    method: str, source: str
) -> None:
    s = PaymentsScenario()
    order_id = paid_by(s, method, source)
    goods = ask(s, order_id, "goods", 900)
    shipping = ask(s, order_id, "shipping", 310)
    # The same refund ids again (a second request, or one redelivered with a new id): nothing changes.
    ask(s, order_id, "goods", 900, refund_id=goods)
    ask(s, order_id, "shipping", 310, refund_id=shipping)
    # Each went back through the gateway once, from the capture of its own payment.
    assert s.gateway.refunded == {
        f"ticket-refund:{goods}:cap_1": ("cap_1", 900),
        f"ticket-refund:{shipping}:cap_2": ("cap_2", 310),
    }
    assert (s.app.payment(order_id, "goods").refunded_minor, s.app.payment(order_id, "shipping").refunded_minor) == (
        900,
        310,
    )
    assert answers(s) == [
        ("RefundIssued", "goods", goods, 900, method),
        ("RefundIssued", "shipping", shipping, 310, method),
    ]
    issued = [p for t, p in s.published() if t == "RefundIssued"]
    assert issued[0]["reason"] == f"T5 shortage: 1 x RING [ticket-refund:{goods}]"  # the tag, for earlier readers


def test_T5_P6_a_ticket_refund_is_capped_by_what_is_left_and_refused_when_nothing_is() -> None:
    s = PaymentsScenario()
    order_id = paid_by(s, "card", VISA)
    s.reduced(order_id, before=5400, after=900, refund=4500)  # a shortfall gave back 45.00 of the 54.00
    capped = ask(s, order_id, "goods", 1500)
    after_all = ask(s, order_id, "goods", 100)
    whole_shipping = ask(s, order_id, "shipping", 2350)
    more_shipping = ask(s, order_id, "shipping", 1)
    assert answers(s)[1:] == [  # after the shortfall's own RefundIssued
        ("RefundIssued", "goods", capped, 900, "card"),
        (
            "RefundRefused",
            "goods",
            after_all,
            100,
            f"order {order_id}'s goods payment has nothing left to refund "
            "(paid 54.00 USD, refunded or owed back 54.00 USD)",
        ),
        ("RefundIssued", "shipping", whole_shipping, 2350, "card"),
        (
            "RefundRefused",
            "shipping",
            more_shipping,
            1,
            f"order {order_id}'s shipping payment has nothing left to refund "
            "(paid 23.50 USD, refunded or owed back 23.50 USD)",
        ),
    ]
    assert s.app.payment(order_id, "goods").refundable_minor == 0
    assert s.app.ticket_refund(after_all).refused is not None  # type: ignore[union-attr]
    # A refused request asked again is not refused twice.
    ask(s, order_id, "goods", 100, refund_id=after_all)
    assert [a[0] for a in answers(s)].count("RefundRefused") == 2


def test_T5_P6_P3_a_ticket_refund_of_a_deposit_order_goes_back_to_the_deposit_once_and_capped() -> None:
    s = PaymentsScenario()
    s.app.credit_deposit("cust-1", 10_000, USD, "wire-0001")
    order_id = s.placed(5400, method="deposit")
    s.quoted(order_id, 2350)  # both debited: 100.00 - 54.00 - 23.50 = 22.50 left
    assert s.app.deposit("cust-1").balance_minor == 2250
    goods = ask(s, order_id, "goods", 900)
    shipping = ask(s, order_id, "shipping", 5000)  # more than the shipping debit: capped at 23.50
    ask(s, order_id, "goods", 900, refund_id=goods)  # again: once
    nothing_left = ask(s, order_id, "shipping", 10)
    assert s.app.deposit("cust-1").balance_minor == 2250 + 900 + 2350
    assert answers(s) == [
        ("RefundIssued", "goods", goods, 900, "deposit"),
        ("RefundIssued", "shipping", shipping, 2350, "deposit"),
        (
            "RefundRefused",
            "shipping",
            nothing_left,
            10,
            f"order {order_id}'s shipping debit from the deposit has nothing left to refund "
            "(debited 23.50 USD, refunded 23.50 USD)",
        ),
    ]
    statement = [(m.kind, m.purpose, m.amount_minor, m.reference) for m in s.app.deposit_movements("cust-1")]
    assert statement[-2:] == [
        ("Refunded", "goods", 900, f"ticket-refund:{goods}"),
        ("Refunded", "shipping", 2350, f"ticket-refund:{shipping}"),
    ]


def test_T5_P6_P2_a_ticket_refund_of_a_settled_transfer_goes_back_by_transfer_at_once() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400, method="bank_transfer")
    s.app.upload_voucher(order_id, PDF)
    s.app.settle(order_id, 5400)
    s.quoted(order_id, 2350)
    s.app.upload_voucher(order_id, PDF + b" shipping", purpose="shipping")
    s.app.settle(order_id, 2350, purpose="shipping")
    goods, shipping = ask(s, order_id, "goods", 900), ask(s, order_id, "shipping", 310)
    ask(s, order_id, "shipping", 310, refund_id=shipping)
    assert answers(s) == [
        ("RefundIssued", "goods", goods, 900, "bank_transfer"),
        ("RefundIssued", "shipping", shipping, 310, "bank_transfer"),
    ]
    assert s.gateway.refunded == {}  # a transfer goes back by transfer, not through the card gateway
    shipping_payment = s.app.payment(order_id, "shipping")
    assert [(r.amount_minor, r.provider_ref) for r in shipping_payment.refunds] == [
        (310, f"transfer:ticket-refund:{shipping}")
    ]


def test_T5_P6_P2_a_ticket_refund_of_a_transfer_not_settled_is_owed_and_issued_when_it_settles() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400, method="bank_transfer")
    s.app.upload_voucher(order_id, PDF)  # confirmed in advance, no money yet
    owed = ask(s, order_id, "goods", 6000)  # more than the voucher confirms: 54.00 is owed
    ask(s, order_id, "goods", 6000, refund_id=owed)  # again: once
    assert answers(s) == []  # nothing went back yet: the money has not arrived
    payment = s.app.payment(order_id, "goods")
    assert [(d.amount_minor, d.request_ref) for d in payment.deferred] == [(5400, owed)]
    s.advance(timedelta(days=2))
    s.app.settle(order_id, 5400)
    assert answers(s) == [("RefundIssued", "goods", owed, 5400, "bank_transfer")]
    assert s.app.payment(order_id, "goods").refundable_minor == 0


def test_T5_P6_a_sample_orders_goods_refund_goes_back_from_its_sample_fee() -> None:
    s = PaymentsScenario()
    order_id = s.placed(1200, sample=True)
    s.app.capture(order_id, "sample_fee", "card", VISA, "key-sample-0001")
    refund_id = ask(s, order_id, "goods", 400)
    assert answers(s) == [("RefundIssued", "sample_fee", refund_id, 400, "card")]
    assert s.app.payment(order_id, "sample_fee").refunded_minor == 400


def test_T5_P6_nothing_paid_for_the_purpose_is_refused_with_the_reason() -> None:
    s = PaymentsScenario()
    unpaid = s.placed(5400)  # a card payment never captured
    unknown = str(uuid.uuid4())  # an order payments never saw
    paid = paid_by(s, "card", VISA)
    first, second = ask(s, unpaid, "goods", 900), ask(s, unknown, "shipping", 310)
    other_currency = s.feed(
        "TicketRefundRequested", s.ticket_refund_request(paid, "goods", 900, str(uuid.uuid4()), currency="EUR")
    )
    assert other_currency.dead == []
    assert answers(s)[:2] == [
        ("RefundRefused", "goods", first, 900, f"nothing was paid for the goods of order {unpaid}"),
        ("RefundRefused", "shipping", second, 310, f"nothing was paid for the shipping of order {unknown}"),
    ]
    assert answers(s)[2][4] == f"the refund is asked in EUR, but order {paid}'s goods payment is in USD"
    assert s.gateway.refunded == {}
    assert s.app.payment(paid, "goods").refunded_minor == 0


def test_T5_P6_two_requests_with_one_refund_id_in_one_consumer_batch_refund_once() -> None:
    s = PaymentsScenario()
    order_id = paid_by(s, "card", VISA)
    refund_id = str(uuid.uuid4())
    request = s.ticket_refund_request(order_id, "goods", 900, refund_id)
    batch = [incoming("TicketRefundRequested", request, nid, s.clock.now()) for nid in (101, 102)]
    result = s.runtime.consumer.apply_batch(batch)
    assert (result.applied, result.dead) == (2, [])
    assert answers(s) == [("RefundIssued", "goods", refund_id, 900, "card")]
    assert list(s.gateway.refunded.values()) == [("cap_1", 900)]
    ticket_refund = s.app.ticket_refund(refund_id)
    assert ticket_refund is not None and (ticket_refund.granted_minor, ticket_refund.refused) == (900, None)
    assert [e["type"] for e in s.app.history(ticket_refund.id)] == ["TicketRefund.Received", "TicketRefund.Granted"]
    assert s.app.payment_by_id(payment_id(order_id, "goods")) is not None


def test_T5_P6_a_refund_issued_published_before_purpose_and_reference_still_decodes() -> None:
    """Adding the optional fields kept RefundIssued at version 1: earlier messages decode with None."""
    sample = json.loads((SAMPLES / "RefundIssued.v1.json").read_text())
    for field in ("purpose", "reference", "method"):
        del sample["payload"][field]
    envelope, payload = decode(json.dumps(sample))
    assert envelope.schema_version == 1
    assert payload.model_dump(include={"purpose", "reference", "method"}) == {
        "purpose": None,
        "reference": None,
        "method": None,
    }
