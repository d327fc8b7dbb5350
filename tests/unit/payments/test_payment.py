"""The Payment aggregate: retries and duplicates (P4), refunds (P6), vouchers and settlement (P2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application

from services.payments.domain import CaptureOutcome
from services.payments.domain.errors import InvalidPayment, PaymentConflict, RefundExceedsCaptured
from services.payments.domain.payment import Payment, payment_id

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def card_payment(amount_minor: int = 12_500, purpose: str = "goods") -> Payment:
    return Payment.request("order-1", purpose, amount_minor, "USD", "card", "cust-1", T0)


def transfer_payment(amount_minor: int = 40_000) -> Payment:
    return Payment.request("order-2", "goods", amount_minor, "EUR", "bank_transfer", "cust-2", T0)


def event_names(payment: Payment) -> list[str]:
    return [type(e).__name__ for e in payment.collect_events()]


def test_P4_same_idempotency_key_never_charges_twice() -> None:
    payment = card_payment()
    first = payment.capture("key-1", "cap_A", 12_500, "Visa", "1111", T0)
    # a retried request with the same key: the first outcome, and nothing new recorded
    again = payment.capture("key-1", "cap_B", 12_500, "Visa", "1111", T0 + timedelta(seconds=5))
    assert again == first == CaptureOutcome("captured", "key-1", "cap_A", 12_500, "Visa", "1111")
    assert payment.outcome_for("key-1") == first
    assert event_names(payment) == ["Requested", "CaptureRecorded"]
    assert (payment.captured_minor, payment.paid_minor) == (12_500, 12_500)


def test_P4_a_second_capture_with_another_key_is_detected_and_queued_for_refund() -> None:
    payment = card_payment()
    payment.capture("key-1", "cap_A", 12_500, "Visa", "1111", T0)
    second = payment.capture("key-2", "cap_B", 12_500, "Visa", "1111", T0)
    assert second.duplicate
    assert event_names(payment) == ["Requested", "CaptureRecorded", "CaptureRecorded", "DuplicateChargeDetected"]
    assert payment.duplicates_to_refund() == [("cap_B", 12_500)]
    # the automatic refund of the duplicate clears it
    assert payment.record_refund(12_500, "duplicate_charge", "re_B", T0, capture_ref="cap_B")
    assert payment.duplicates_to_refund() == []
    assert (payment.paid_minor, payment.refunded_minor, payment.refundable_minor) == (25_000, 12_500, 12_500)


def test_P4_a_paid_payment_is_not_sent_to_the_provider_again() -> None:
    payment = card_payment()
    payment.check_chargeable()
    payment.capture("key-1", "cap_A", 12_500, "Visa", "1111", T0)
    with pytest.raises(PaymentConflict) as conflict:
        payment.check_chargeable()
    assert str(conflict.value) == "order order-1's goods is already paid"
    assert (conflict.value.field, conflict.value.rule) == ("purpose", "P4")


def test_P4_a_decline_is_remembered_per_key_and_a_new_key_may_capture() -> None:
    payment = card_payment()
    declined = payment.decline("key-1", "card_declined", "Visa", "0002", T0)
    assert payment.decline("key-1", "other", None, None, T0) == declined
    assert payment.capture("key-1", "cap_A", 12_500, "Visa", "0002", T0) == declined
    captured = payment.capture("key-2", "cap_B", 12_500, "Visa", "1111", T0)
    assert (captured.status, captured.duplicate) == ("captured", False)
    assert event_names(payment) == ["Requested", "CaptureDeclined", "CaptureRecorded"]


def test_P6_refunds_never_exceed_captured() -> None:
    payment = card_payment(10_000)
    payment.capture("key-1", "cap_A", 10_000, "MasterCard", "4444", T0)
    assert payment.record_refund(6_000, "shortage", "re_1", T0, capture_ref="cap_A")
    with pytest.raises(RefundExceedsCaptured) as exceeded:
        payment.record_refund(4_001, "cancellation", "re_2", T0)
    assert str(exceeded.value) == (
        "a refund of 40.01 USD exceeds what is left to refund: 40.00 USD (paid 100.00 USD, refunded 60.00 USD)"
    )
    assert (exceeded.value.field, exceeded.value.rule) == ("amount", "P6")
    assert payment.record_refund(4_000, "cancellation", "re_2", T0)
    # the same provider refund reported twice is recorded once
    assert not payment.record_refund(4_000, "cancellation", "re_2", T0)
    assert event_names(payment) == ["Requested", "CaptureRecorded", "RefundRecorded", "RefundRecorded"]
    assert (payment.refunded_minor, payment.refundable_minor) == (10_000, 0)


def test_P6_nothing_to_refund_before_money_arrived() -> None:
    payment = card_payment()
    with pytest.raises(RefundExceedsCaptured) as nothing_paid:
        payment.record_refund(1, "cancellation", "re_1", T0)
    assert str(nothing_paid.value) == (
        "a refund of 0.01 USD exceeds what is left to refund: 0.00 USD (paid 0.00 USD, refunded 0.00 USD)"
    )
    with pytest.raises(InvalidPayment) as unknown:
        payment.check_refund(1, capture_ref="cap_nope")
    assert unknown.value.field == "capture_ref"


def test_P2_the_same_idempotency_key_records_one_voucher_whatever_the_bytes() -> None:
    payment = transfer_payment()
    assert payment.receive_voucher("a.pdf", 10, "application/pdf", T0, key="upload-key-1")
    assert not payment.receive_voucher("b.png", 20, "image/png", T0, key="upload-key-1")  # a retried upload
    assert payment.receive_voucher("b.png", 20, "image/png", T0, key="upload-key-2")
    assert [(v.file_ref, v.key) for v in payment.vouchers] == [("a.pdf", "upload-key-1"), ("b.png", "upload-key-2")]


def test_P2_voucher_confirms_a_bank_transfer_in_advance_and_settlement_follows() -> None:
    payment = transfer_payment()
    assert not payment.confirms_order
    assert payment.receive_voucher("vouchers/o2.pdf", 48_213, "application/pdf", T0)
    assert not payment.receive_voucher("vouchers/o2.pdf", 48_213, "application/pdf", T0)
    assert payment.confirms_order
    assert payment.settle(40_000, T0 + timedelta(days=3))
    assert not payment.settle(40_000, T0 + timedelta(days=4))
    assert (payment.paid_minor, payment.refundable_minor) == (40_000, 40_000)
    assert event_names(payment) == ["Requested", "VoucherReceived", "Settled"]
    assert not payment.settlement_overdue(T0 + timedelta(days=11))


def test_P2_P6_a_refund_owed_on_an_unsettled_transfer_is_deferred_capped_and_paid_on_settlement() -> None:
    payment = transfer_payment(40_000)
    payment.receive_voucher("vouchers/o3.pdf", 2_000, "application/pdf", T0)
    assert payment.defer_refund(34_000, "customer request", "OrderCancelled:e1", T0)
    assert not payment.defer_refund(34_000, "customer request", "OrderCancelled:e1", T0)  # same key: once
    with pytest.raises(RefundExceedsCaptured) as info:
        payment.defer_refund(6_001, "shortage", "OrderItemsReduced:e2", T0)  # 40,000 - 34,000 = 6,000 left
    assert (info.value.field, info.value.rule) == ("amount", "P6")
    assert payment.deferred_refunds_due() == []  # nothing has arrived: nothing can go back
    payment.settle(30_000, T0 + timedelta(days=2))  # the customer sent less than the order: not settled (P2)
    assert payment.settled_at is None
    assert payment.deferred_refunds_due() == [(30_000, "customer request", "transfer:OrderCancelled:e1", None)]
    assert not payment.pay_deferred_refunds(T0 + timedelta(days=2))  # owed refunds go back once it settles
    payment.settle(10_000, T0 + timedelta(days=3))  # the rest arrived: what arrived covers the order
    assert payment.settled_at == T0 + timedelta(days=3)
    assert payment.pay_deferred_refunds(T0 + timedelta(days=3))
    assert payment.deferred_refunds_due() == [] and payment.refunded_minor == 34_000
    with pytest.raises(PaymentConflict):  # settled: refunds go back at once, nothing is deferred
        payment.defer_refund(1, "late", "OrderItemsReduced:e3", T0)
    assert event_names(payment) == [
        "Requested",
        "VoucherReceived",
        "RefundDeferred",
        "Settled",
        "Settled",
        "RefundRecorded",
    ]


def test_P2_an_unsettled_transfer_is_flagged_after_10_days_once() -> None:
    payment = transfer_payment()
    payment.receive_voucher("vouchers/o2.png", 1_000, "image/png", T0)
    assert payment.settlement_deadline() == T0 + timedelta(days=10)
    assert not payment.settlement_overdue(T0 + timedelta(days=10) - timedelta(seconds=1))
    with pytest.raises(PaymentConflict) as early:
        payment.flag_settlement_overdue(T0 + timedelta(days=9))
    assert (early.value.field, early.value.rule) == ("settled_at", "P2")
    payment.flag_settlement_overdue(T0 + timedelta(days=10))
    assert not payment.settlement_overdue(T0 + timedelta(days=12))
    with pytest.raises(PaymentConflict):
        payment.flag_settlement_overdue(T0 + timedelta(days=12))
    assert event_names(payment) == ["Requested", "VoucherReceived", "SettlementOverdueFlagged"]


@pytest.mark.parametrize(
    ("size", "content_type", "field"),
    [
        (0, "application/pdf", "voucher.size"),
        (11 * 1024 * 1024, "image/png", "voucher.size"),
        (10, "text/html", "voucher.content_type"),
    ],
)
def test_P2_voucher_must_be_a_usable_file(size: int, content_type: str, field: str) -> None:
    payment = transfer_payment()
    with pytest.raises(InvalidPayment) as invalid:
        payment.receive_voucher("vouchers/x", size, content_type, T0)
    assert (invalid.value.field, invalid.value.rule) == (field, "P2")
    assert event_names(payment) == ["Requested"]


def test_P2_card_payments_take_no_voucher_and_transfers_are_not_captured() -> None:
    with pytest.raises(InvalidPayment, match="only bank transfers do") as voucher:
        card_payment().receive_voucher("vouchers/x.pdf", 10, "application/pdf", T0)
    assert (voucher.value.field, voucher.value.rule) == ("method", "P2")
    transfer = transfer_payment()
    with pytest.raises(InvalidPayment) as charged:
        transfer.check_chargeable()
    assert charged.value.field == "method"
    with pytest.raises(InvalidPayment):
        transfer.capture("key-1", "cap_A", 40_000, None, None, T0)
    with pytest.raises(InvalidPayment):
        card_payment().settle(12_500, T0)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount_minor": 125.0}, "amount", "P1"),
        ({"amount_minor": 0}, "amount", "P1"),
        ({"amount_minor": True}, "amount", "P1"),
        ({"currency": "usd"}, "currency", "P1"),
        ({"method": "bitcoin"}, "method", "P1"),
        ({"purpose": "tip"}, "purpose", "P7"),
        ({"order_id": ""}, "order_id", "P1"),
    ],
)
def test_P1_a_bad_payment_request_names_the_field(changes: dict[str, Any], field: str, rule: str) -> None:
    request: dict[str, Any] = {
        "order_id": "order-1",
        "purpose": "goods",
        "amount_minor": 12_500,
        "currency": "USD",
        "method": "card",
        "customer_id": "cust-1",
        "at": T0,
    }
    with pytest.raises(InvalidPayment) as invalid:
        Payment.request(**(request | changes))
    assert (invalid.value.field, invalid.value.rule) == (field, rule)


def test_P7_one_payment_per_order_and_purpose_with_a_deterministic_id() -> None:
    goods, shipping = card_payment(purpose="goods"), card_payment(1_800, purpose="shipping")
    assert goods.id == payment_id("order-1", "goods") == card_payment().id
    assert shipping.id == payment_id("order-1", "shipping") != goods.id


def test_P4_replay_restores_captures_refunds_and_keys() -> None:
    app: Application[Any] = Application()
    payment = card_payment()
    payment.capture("key-1", "cap_A", 12_500, "JCB", "0000", T0)
    payment.capture("key-2", "cap_B", 12_500, "JCB", "0000", T0)
    payment.record_refund(12_500, "duplicate_charge", "re_B", T0, capture_ref="cap_B")
    app.save(payment)
    replayed: Payment = app.repository.get(payment.id)
    assert replayed.attempts == payment.attempts
    assert replayed.capture("key-2", "cap_C", 12_500, "JCB", "0000", T0).provider_ref == "cap_B"
    assert replayed.collect_events() == []
    assert (replayed.paid_minor, replayed.refunded_minor, replayed.duplicates_to_refund()) == (25_000, 12_500, [])


def test_P2_P6_refund_by_transfer_defers_before_settlement_and_refunds_capped_after() -> None:
    waiting = transfer_payment(40_000)
    waiting.receive_voucher("vouchers/o4.pdf", 2_000, "application/pdf", T0)
    assert waiting.refund_by_transfer(34_000, "customer request", "OrderCancelled:e1", T0) == 34_000
    assert (len(waiting.deferred), waiting.refunds) == (1, [])
    settled = transfer_payment(40_000)
    settled.receive_voucher("vouchers/o5.pdf", 2_000, "application/pdf", T0)
    settled.settle(40_000, T0 + timedelta(days=1))
    assert settled.refund_by_transfer(34_000, "shortage", "OrderItemsReduced:e2", T0) == 34_000
    assert settled.refund_by_transfer(34_000, "shortage", "OrderItemsReduced:e2", T0) == 0  # the same key: once
    assert settled.refund_by_transfer(34_000, "shortage", "OrderItemsReduced:e3", T0) == 6_000  # what is left
    assert settled.refund_by_transfer(1, "shortage", "OrderItemsReduced:e4", T0) == 0  # nothing left
    assert [r.provider_ref for r in settled.refunds] == [
        "transfer:OrderItemsReduced:e2",
        "transfer:OrderItemsReduced:e3",
    ]
