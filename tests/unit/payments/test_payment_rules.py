"""The payments rules P1-P7 through the application (in-memory store, in-memory gateway)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from services.payments.domain import CardRefused, InsufficientDeposit, PaymentConflict, payment_id
from shared.events import orders as o
from shared.runtime.timers import timer_id
from tests.unit.messages import incoming, usd
from tests.unit.payments.fakes import MemoryGateway
from tests.unit.payments.scenario import VISA, PaymentsScenario


def test_P1_amex_is_refused_before_the_gateway_is_asked() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400)
    with pytest.raises(CardRefused) as info:
        s.app.capture(order_id, "goods", "card", "378282246310005", "key-amex-0001")
    assert str(info.value) == "American Express is not accepted: we take Visa, MasterCard or JCB"
    assert (info.value.field, info.value.rule) == ("card.number", "P1")
    assert s.gateway.captures == {} and s.app.payment(order_id, "goods").attempts == {}


def test_P1_P4_a_card_capture_confirms_the_order_once_and_a_retry_returns_the_first_result() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400)
    first = s.app.capture(order_id, "goods", "card", VISA, "key-visa-0001")
    again = s.app.capture(order_id, "goods", "card", VISA, "key-visa-0001")
    assert first == again and (first.status, first.last4, first.network) == ("captured", "1111", "visa")
    assert len(s.gateway.captures) == 1
    assert [t for t, _ in s.published()] == ["PaymentCaptured"]
    assert s.published()[0][1]["amount"] == {"amount_minor": 5400, "currency": "USD"}
    with pytest.raises(PaymentConflict):  # a new attempt on a paid order is refused before charging
        s.app.capture(order_id, "goods", "card", VISA, "key-visa-0002")
    assert len(s.gateway.captures) == 1


def test_P4_a_second_real_capture_is_detected_and_refunded_automatically() -> None:
    gateway = MemoryGateway(barrier=threading.Barrier(2))  # both requests reach the gateway before either saves
    s = PaymentsScenario(gateway=gateway)
    order_id = s.placed(5400)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(
            pool.map(lambda k: s.app.capture(order_id, "goods", "card", VISA, k), ["key-tab-one-01", "key-tab-two-02"])
        )
    assert {o.status for o in outcomes} == {"captured"} and len(gateway.captures) == 2
    payment = s.app.payment(order_id, "goods")
    assert (payment.captured_minor, payment.refunded_minor) == (10800, 5400)
    assert [t for t, _ in s.published()] == ["PaymentCaptured", "DuplicateChargeDetected", "RefundIssued"]
    assert s.published()[2][1]["reason"] == "duplicate charge (P4)"


def test_P2_voucher_confirms_in_advance_then_settles_or_is_flagged_after_10_days() -> None:
    s = PaymentsScenario()
    paid, late = s.placed(5400, method="bank_transfer"), s.placed(3000, method="bank_transfer")
    for order_id in (paid, late):
        s.app.upload_voucher(order_id, b"%PDF-1.7 transfer " + order_id.encode())
    assert [t for t, _ in s.published()] == ["PaymentVoucherReceived", "PaymentVoucherReceived"]
    s.advance(timedelta(days=3))
    s.app.settle(paid, 5400)
    s.advance(timedelta(days=7))
    assert s.app.timers is not None
    for order_id in (paid, late):
        s.app.timers.fire(timer_id("settlement-overdue", str(payment_id(order_id, "goods"))))
    published = s.published()
    assert [t for t, _ in published[2:]] == ["PaymentSettled", "SettlementOverdue"]
    assert published[3][1]["order_id"] == late and published[3][1]["amount"]["amount_minor"] == 3000


def test_P2_P6_a_refund_owed_before_the_transfer_settles_is_paid_when_it_settles() -> None:
    """Confirmed on a voucher, cancelled with a 15 % fee before the money arrived: nothing can go
    back yet; the refund is kept (RefundDeferred) and issued by transfer the moment it settles."""
    s = PaymentsScenario()
    order_id = s.placed(10080, method="bank_transfer")
    s.app.upload_voucher(order_id, b"%PDF-1.7 transfer " + order_id.encode())
    s.cancelled(order_id, fee=1512, refund=8568)
    payment = s.app.payment(order_id, "goods")
    assert [(d.amount_minor, d.reason) for d in payment.deferred] == [(8568, "customer request")]
    assert [t for t, _ in s.published()] == ["PaymentVoucherReceived"]
    s.app.settle(order_id, 10080)
    s.app.settle(order_id, 10080)  # settling twice pays nothing twice
    published = s.published()
    assert [t for t, _ in published] == ["PaymentVoucherReceived", "PaymentSettled", "RefundIssued"]
    refund = published[2][1]
    assert (refund["amount"]["amount_minor"], refund["method"]) == (8568, "bank_transfer")
    assert s.app.payment(order_id, "goods").refundable_minor == 1512  # the fee stays


def test_P2_voucher_type_and_size_are_checked() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400, method="bank_transfer")
    from services.payments.domain import InvalidPayment

    with pytest.raises(InvalidPayment) as info:
        s.app.upload_voucher(order_id, b"x")  # not a PDF, JPEG or PNG, whatever it claims
    assert info.value.field == "voucher.content_type"
    assert s.published() == []


def test_P3_a_deposit_order_is_debited_when_covered_and_fails_visibly_when_not() -> None:
    s = PaymentsScenario()
    s.app.credit_deposit("cust-1", 6000, "USD", "bank-ref-1")
    s.app.credit_deposit("cust-1", 6000, "USD", "bank-ref-1")  # the same reference credits once
    covered = s.placed(5400, method="deposit")
    uncovered = s.placed(5400, method="deposit")
    assert s.app.deposit("cust-1").balance_minor == 600
    published = s.published()
    assert [(t, p["order_id"]) for t, p in published] == [("DepositDebited", covered), ("PaymentFailed", uncovered)]
    assert published[1][1]["reason"] == "the deposit balance of 6.00 USD does not cover 54.00 USD"
    with pytest.raises(InsufficientDeposit):
        s.app.pay_from_deposit(uncovered, "cust-1", 5400, "USD")


def test_P5_the_fraud_draw_is_recorded_and_not_rerolled_on_replay() -> None:
    """The capture is announced as money received (orders holds the order until ops decide, P5)."""
    s = PaymentsScenario(fraud_share=1.0)
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-fraud-001")
    assert [t for t, _ in s.published()] == ["PaymentHeldForReview", "PaymentCaptured"]
    s.app.rng = lambda: 0.99  # a replay draws nothing: the recorded result stands
    check = s.app.fraud_check(order_id)
    assert check is not None and (check.selected, check.held) == (True, True)
    assert [r.order_id for r in s.app.held_for_review()] == [order_id]
    s.app.review(order_id, "ops-3", approve=True, note="holder confirmed by phone")
    assert [t for t, _ in s.published()] == ["PaymentHeldForReview", "PaymentCaptured", "PaymentReviewCompleted"]
    assert s.app.held_for_review() == []


def test_P5_a_rejected_order_gets_its_money_back() -> None:
    s = PaymentsScenario(fraud_share=1.0)
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-fraud-002")
    s.app.review(order_id, "ops-3", approve=False, note="card reported stolen")
    published = [t for t, _ in s.published()]
    assert published == ["PaymentHeldForReview", "PaymentCaptured", "RefundIssued", "PaymentReviewCompleted"]
    assert s.app.payment(order_id, "goods").refunded_minor == 5400


def test_P6_O5_a_cancellation_fee_leaves_the_right_refund_on_the_card() -> None:
    """A cancellation refunds once per order: a second OrderCancelled message (another event id, the same
    order) changes nothing, and the fee stays (issue 12, item 7: it used to refund the 1,512 too)."""
    s = PaymentsScenario()
    order_id = s.placed(10080)
    s.app.capture(order_id, "goods", "card", VISA, "key-cancel-01")
    s.cancelled(order_id, fee=1512, refund=8568)
    s.cancelled(order_id, fee=1512, refund=8568)  # a different message, same order: changes nothing
    payment = s.app.payment(order_id, "goods")
    assert (payment.paid_minor, payment.refunded_minor, payment.refundable_minor) == (10080, 8568, 1512)
    refunds = [p for t, p in s.published() if t == "RefundIssued"]
    assert [(r["amount"]["amount_minor"], r["method"], r["purpose"]) for r in refunds] == [(8568, "card", "goods")]
    assert len(s.gateway.refunds) == 1


def test_P6_I3_a_shortfall_refund_goes_back_to_the_deposit() -> None:
    s = PaymentsScenario()
    s.app.credit_deposit("cust-1", 10000, "USD", "bank-ref-2")
    order_id = s.placed(9000, method="deposit")
    s.reduced(order_id, before=9000, after=5400, refund=3600)
    assert s.app.deposit("cust-1").balance_minor == 1000 + 3600
    assert [t for t, _ in s.published()] == ["DepositDebited", "RefundIssued"]
    assert s.published()[1][1]["method"] == "deposit"


def test_P7_the_shipping_cost_is_a_second_payment_after_the_quote() -> None:
    s = PaymentsScenario()
    order_id = s.placed(5400)
    s.app.capture(order_id, "goods", "card", VISA, "key-goods-001")
    s.quoted(order_id, 2350)
    s.app.capture(order_id, "shipping", "card", VISA, "key-ship-0001")
    captured = [p for t, p in s.published() if t == "PaymentCaptured"]
    assert [(p["purpose"], p["amount"]["amount_minor"]) for p in captured] == [("goods", 5400), ("shipping", 2350)]


def test_P3_P6_a_long_lived_deposit_is_snapshotted_and_loads_like_its_full_history() -> None:
    """A reseller's deposit grows with every order; it is loaded from a snapshot plus the tail, and
    the credit references, debits and refunds kept for idempotency survive the snapshot."""
    s = PaymentsScenario()
    for i in range(120):
        s.app.credit_deposit("cust-1", 100, "USD", f"bank-ref-{i}")
    order_id = s.placed(9000, method="deposit")
    s.reduced(order_id, before=9000, after=5400, refund=3600)
    loaded = s.app.deposit("cust-1")
    assert s.app.snapshots is not None
    assert [snap.originator_version for snap in s.app.snapshots.get(loaded.id)] == [100]
    replayed = s.app.replay_as_of(loaded.id, None)
    assert (loaded.version, loaded.balance_minor) == (123, 12000 - 9000 + 3600)
    assert (loaded.credits, loaded.debits, loaded.refunds) == (replayed.credits, replayed.debits, replayed.refunds)  # type: ignore[union-attr]
    s.app.credit_deposit("cust-1", 100, "USD", "bank-ref-7")  # credited before the snapshot: still once
    assert s.app.deposit("cust-1").balance_minor == 6600


def test_I3_a_reduction_before_anything_was_paid_asks_the_card_for_the_new_total() -> None:
    s = PaymentsScenario()
    order_id = s.placed(9000)
    s.reduced(order_id, before=9000, after=5400, refund=0)  # reserved short at checkout (I3)
    s.reduced(order_id, before=9000, after=5400, refund=0)  # the same news again: amended once
    assert [type(e).__name__ for e in s.app.domain_events(payment_id(order_id, "goods"))] == [
        "Requested",
        "AmountAmended",
    ]
    s.app.capture(order_id, "goods", "card", VISA, "key-reduced-01")
    captured = [p for t, p in s.published() if t == "PaymentCaptured"]
    assert [p["amount"]["amount_minor"] for p in captured] == [5400]


def test_I3_P6_money_paid_before_the_reduction_arrived_goes_back_when_orders_says_it_is_due() -> None:
    s = PaymentsScenario()
    order_id = s.placed(9000)
    s.app.capture(order_id, "goods", "card", VISA, "key-early-0001")  # 9000 before the news arrived
    s.reduced(order_id, before=9000, after=5400, refund=0)  # too late to ask for less: nothing changes
    assert s.app.payment(order_id, "goods").amount_minor == 9000
    s.refund_due(order_id, paid=9000, total=5400)  # orders confirmed on 9000 and owes 3600 back
    refunds = [p for t, p in s.published() if t == "RefundIssued"]
    assert [(p["amount"]["amount_minor"], p["method"]) for p in refunds] == [(3600, "card")]
    assert s.app.payment(order_id, "goods").refundable_minor == 5400


def test_P3_I3_a_deposit_order_not_covered_is_debited_once_reduced_to_what_the_balance_covers() -> None:
    s = PaymentsScenario()
    s.app.credit_deposit("cust-1", 6000, "USD", "bank-ref-9")
    order_id = s.placed(9000, method="deposit")
    assert s.app.deposit("cust-1").awaiting(order_id) == 9000
    s.reduced(order_id, before=9000, after=5400, refund=0)
    assert [(t, p["order_id"]) for t, p in s.published()] == [("PaymentFailed", order_id), ("DepositDebited", order_id)]
    assert s.published()[1][1]["amount"]["amount_minor"] == 5400
    assert (s.app.deposit("cust-1").balance_minor, s.app.deposit("cust-1").awaiting(order_id)) == (600, None)


def test_P3_after_a_top_up_the_customer_pays_the_awaited_order_from_the_deposit() -> None:
    s = PaymentsScenario()
    s.app.credit_deposit("cust-1", 6000, "USD", "bank-ref-10")
    order_id = s.placed(9000, method="deposit")
    with pytest.raises(InsufficientDeposit):  # still short
        s.app.pay_awaited_from_deposit(order_id, "cust-1", "goods")
    s.app.credit_deposit("cust-1", 3500, "USD", "bank-ref-11")
    s.app.pay_awaited_from_deposit(order_id, "cust-1", "goods")
    s.app.pay_awaited_from_deposit(order_id, "cust-1", "goods")  # a second click debits nothing more
    account = s.app.deposit("cust-1")
    assert (account.balance_minor, account.debited_for(order_id)) == (500, 9000)
    assert [m.kind for m in s.app.deposit_movements("cust-1")] == [
        "Credited",
        "DebitRefused",
        "Credited",
        "Debited",
    ]
    assert [m.balance_after_minor for m in s.app.deposit_movements("cust-1")] == [6000, 6000, 9500, 500]


def test_I3_a_reduction_in_the_same_consumer_batch_as_the_order_still_amends_the_amount() -> None:
    """OrderPlaced and OrderItemsReduced share a partition (keyed by order id) and often a batch: the
    payment opened by the first message is found in the batch, not yet in the store."""
    s = PaymentsScenario()
    order_id = str(uuid.uuid4())
    placed = o.OrderPlaced(
        order_id=order_id,
        customer_id="cust-1",
        total=usd(9000),
        payment_method="card",
        lines=[o.OrderLine(sku="RING", quantity=20, unit_price=usd(450))],
        placed_at=s.clock.now(),
    )
    reduced = o.OrderItemsReduced(
        order_id=order_id,
        customer_id="cust-1",
        lines=[o.ReducedLine(sku="RING", quantity_before=20, quantity_after=12)],
        previous_total=usd(9000),
        new_total=usd(5400),
        refund=usd(0),
        reason="reserved short at checkout",
        reduced_at=s.clock.now(),
    )
    s.runtime.consumer.apply_batch(
        [incoming("OrderPlaced", placed, 1, s.clock.now()), incoming("OrderItemsReduced", reduced, 2, s.clock.now())]
    )
    payment = s.app.payment(order_id, "goods")
    assert (payment.amount_minor, [type(e).__name__ for e in s.app.domain_events(payment.id)]) == (
        5400,
        ["Requested", "AmountAmended"],
    )
