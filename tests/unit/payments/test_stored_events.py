"""The Payment's events keep their stored names and fields: its event classes live beside the rules
of their concept (captures, refunds, transfer, confirmation) and are bound into the aggregate's body,
so events stored before that split still replay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from services.payments.adapters.outbound import translate
from services.payments.domain import DepositAccount, Payment, deposit_account_id, payment_id

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TOPIC = "services.payments.domain.payment:Payment."
EVENTS = [
    "Requested",
    "CaptureRecorded",
    "CaptureDeclined",
    "DuplicateChargeDetected",
    "RefundRecorded",
    "RefundDeferred",
    "AmountAmended",
    "VoucherReceived",
    "Settled",
    "SettlementOverdueFlagged",
    "ConfirmationReleased",
]


@pytest.mark.parametrize("name", EVENTS)
def test_P4_every_payment_event_keeps_its_stored_topic(name: str) -> None:
    assert get_topic(getattr(Payment, name)) == TOPIC + name


def requested(order_id: str, purpose: str, amount_minor: int, method: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "purpose": purpose,
        "amount_minor": amount_minor,
        "currency": "USD",
        "method": method,
        "customer_id": "cust-1",
        "at": T0,
        "originator_topic": get_topic(Payment),
    }


def replay(stored: list[tuple[str, dict[str, Any]]]) -> tuple[Application[Any], Payment]:
    """Insert events as they were stored before the split (topic and fields), then load the payment."""
    app: Application[Any] = Application()
    payment_uuid = payment_id(stored[0][1]["order_id"], stored[0][1]["purpose"])
    app.recorder.insert_events(
        [
            StoredEvent(payment_uuid, version, TOPIC + name, app.mapper.transcoder.encode({**state, "timestamp": T0}))
            for version, (name, state) in enumerate(stored, start=1)
        ]
    )
    payment: Payment = app.repository.get(payment_uuid)
    assert [type(e) for e in app.events.get(payment_uuid)] == [getattr(Payment, name) for name, _ in stored]
    return app, payment


def test_P4_P6_card_events_stored_in_the_earlier_shape_replay_into_the_same_payment() -> None:
    capture = {"provider_ref": "cap_A", "amount_minor": 5000, "at": T0}
    _, payment = replay(
        [
            ("Requested", requested("order-8", "goods", 5400, "card")),
            ("AmountAmended", {"amount_minor": 5000, "previous_minor": 5400, "reason": "shortfall", "at": T0}),
            (
                "CaptureDeclined",
                {"idempotency_key": "k0", "reason": "card_declined", "network": "visa", "last4": "0002", "at": T0},
            ),
            ("CaptureRecorded", {"idempotency_key": "k1", "network": "visa", "last4": "1111", **capture}),
            ("ConfirmationReleased", {"amount_minor": 5000, "by": "capture", "at": T0}),
            (
                "CaptureRecorded",
                {"idempotency_key": "k2", "network": "visa", "last4": "1111", **capture, "provider_ref": "cap_B"},
            ),
            (
                "DuplicateChargeDetected",
                {"idempotency_key": "k2", "first_idempotency_key": "k1", **capture, "provider_ref": "cap_B"},
            ),
            (
                "RefundRecorded",
                {
                    "amount_minor": 5000,
                    "reason": "duplicate charge (P4)",
                    "provider_ref": "re_1",
                    "capture_ref": "cap_B",
                    "at": T0,
                },
            ),
        ]
    )
    assert [(a.status, a.provider_ref, a.duplicate) for a in payment.attempts.values()] == [
        ("declined", None, False),
        ("captured", "cap_A", False),
        ("captured", "cap_B", True),
    ]
    assert (payment.amount_minor, payment.paid_minor, payment.refunded_minor, payment.released_at) == (
        5000,
        10000,
        5000,
        T0,
    )
    assert payment.duplicates_to_refund() == []


def test_P2_P6_transfer_events_stored_in_the_earlier_shape_replay_into_the_same_payment() -> None:
    _, payment = replay(
        [
            ("Requested", requested("order-9", "shipping", 2350, "bank_transfer")),
            ("VoucherReceived", {"file_ref": "v.pdf", "size": 10, "content_type": "application/pdf", "at": T0}),
            ("ConfirmationReleased", {"amount_minor": 2350, "by": "voucher", "at": T0}),
            ("RefundDeferred", {"amount_minor": 350, "reason": "shortage", "key": "k1", "at": T0}),
            ("SettlementOverdueFlagged", {"due_at": T0, "at": T0}),
            ("Settled", {"amount_minor": 2350, "at": T0}),
            (
                "RefundRecorded",
                {
                    "amount_minor": 350,
                    "reason": "shortage",
                    "provider_ref": "transfer:k1",
                    "capture_ref": None,
                    "at": T0,
                },
            ),
        ]
    )
    assert payment.vouchers[0].key is None  # stored before uploads carried an idempotency key
    assert (payment.purpose, payment.vouchers[0].file_ref, payment.overdue_flagged_at, payment.settled_minor) == (
        "shipping",
        "v.pdf",
        T0,
        2350,
    )
    assert (payment.refunded_minor, payment.refundable_minor, payment.deferred_refunds_due()) == (350, 2000, [])


def test_P6_refunds_stored_before_they_named_their_request_publish_no_reference() -> None:
    """RefundRecorded, RefundDeferred and a deposit's Refunded stored without `request_ref` still replay,
    and publish RefundIssued with its purpose and no reference (T5 matches those by the reason's tag)."""
    context: dict[str, Any] = {"order_id": "order-9", "purpose": "shipping", "method": "bank_transfer"}
    context |= {"currency": "USD", "customer_id": "cust-1", "amount_minor": 2350}
    app, payment = replay(
        [
            ("Requested", requested("order-9", "shipping", 2350, "bank_transfer")),
            ("VoucherReceived", {"file_ref": "v.pdf", "size": 10, "content_type": "application/pdf", "at": T0}),
            ("RefundDeferred", {"amount_minor": 350, "reason": "shortage", "key": "k1", "at": T0}),
            ("Settled", {"amount_minor": 2350, "at": T0}),
            (
                "RefundRecorded",
                {
                    "amount_minor": 350,
                    "reason": "shortage",
                    "provider_ref": "transfer:k1",
                    "capture_ref": None,
                    "at": T0,
                    "_meta": {"context": context},
                },
            ),
        ]
    )
    assert [d.request_ref for d in payment.deferred] == [None]
    built = translate(list(app.events.get(payment.id))[-1])
    assert built is not None and built[1].model_dump(include={"purpose", "reference", "method"}) == {
        "purpose": "shipping",
        "reference": None,
        "method": "bank_transfer",
    }
    account_id = deposit_account_id("cust-1")
    deposit_topic = "services.payments.domain.deposit:DepositAccount."
    opened = {"customer_id": "cust-1", "currency": "USD", "at": T0, "originator_topic": get_topic(DepositAccount)}
    debited = {"order_id": "order-9", "purpose": "goods", "amount_minor": 5400, "at": T0}
    refunded = {**debited, "amount_minor": 900, "reason": "cancellation", "reference": "OrderCancelled:e1"}
    states = [
        ("Opened", opened),
        ("Credited", {"amount_minor": 9000, "reference": "wire-1", "at": T0}),
        ("Debited", debited),
        ("Refunded", {**refunded, "_meta": {"context": {"customer_id": "cust-1", "currency": "USD"}}}),
    ]
    app.recorder.insert_events(
        [
            StoredEvent(account_id, n, deposit_topic + name, app.mapper.transcoder.encode({**state, "timestamp": T0}))
            for n, (name, state) in enumerate(states, start=1)
        ]
    )
    account: DepositAccount = app.repository.get(account_id)
    assert (account.balance_minor, account.refundable_for("order-9")) == (4500, 4500)
    built = translate(list(app.events.get(account_id))[-1])
    assert built is not None and built[1].model_dump(include={"purpose", "reference", "method"}) == {
        "purpose": "goods",
        "reference": None,
        "method": "deposit",
    }
