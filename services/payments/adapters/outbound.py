"""Payments domain events -> integration events on `payments.events`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.payments.domain import DepositAccount, FraudCheck, Payment
from shared.events import Money
from shared.events import payments as contract
from shared.runtime.translate import Outbound, context_of

Built = tuple[str, BaseModel] | None


def translate(domain_event: Any) -> Outbound | None:
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        return None
    ctx = context_of(domain_event)
    built = build(domain_event, ctx)
    return (built[0], built[1], ctx.get("order_id") or getattr(domain_event, "order_id", None)) if built else None


def _money(amount_minor: int, ctx: dict[str, Any]) -> Money:
    return Money(amount_minor=amount_minor, currency=ctx["currency"])


def _released(e: Any, ctx: dict[str, Any]) -> Built:
    if e.by == "voucher":
        return "PaymentVoucherReceived", contract.PaymentVoucherReceived(
            order_id=ctx["order_id"], purpose=ctx["purpose"], amount=_money(e.amount_minor, ctx), received_at=e.at
        )
    return "PaymentCaptured", contract.PaymentCaptured(
        order_id=ctx["order_id"],
        purpose=ctx["purpose"],
        method=ctx["method"],
        amount=_money(e.amount_minor, ctx),
        captured_at=e.at,
    )


def _declined(e: Any, ctx: dict[str, Any]) -> Built:
    return "PaymentFailed", contract.PaymentFailed(
        order_id=ctx["order_id"], purpose=ctx["purpose"], reason=e.reason, failed_at=e.at
    )


def _duplicate(e: Any, ctx: dict[str, Any]) -> Built:
    return "DuplicateChargeDetected", contract.DuplicateChargeDetected(
        order_id=ctx["order_id"], purpose=ctx["purpose"], amount=_money(e.amount_minor, ctx), detected_at=e.at
    )


def _refunded(e: Any, ctx: dict[str, Any]) -> Built:
    return "RefundIssued", contract.RefundIssued(
        order_id=ctx["order_id"],
        amount=_money(e.amount_minor, ctx),
        reason=e.reason,
        issued_at=e.at,
        method=ctx["method"],
    )


def _settled(e: Any, ctx: dict[str, Any]) -> Built:
    return "PaymentSettled", contract.PaymentSettled(
        order_id=ctx["order_id"], purpose=ctx["purpose"], amount=_money(e.amount_minor, ctx), settled_at=e.at
    )


def _overdue(e: Any, ctx: dict[str, Any]) -> Built:
    return "SettlementOverdue", contract.SettlementOverdue(
        order_id=ctx["order_id"],
        customer_id=ctx["customer_id"],
        amount=_money(ctx["amount_minor"], ctx),
        due_at=e.due_at,
        flagged_at=e.at,
    )


def _debited(e: Any, ctx: dict[str, Any]) -> Built:
    return "DepositDebited", contract.DepositDebited(
        order_id=e.order_id,
        customer_id=ctx["customer_id"],
        amount=_money(e.amount_minor, ctx),
        debited_at=e.at,
        purpose=e.purpose,
    )


def _debit_refused(e: Any, ctx: dict[str, Any]) -> Built:
    return "PaymentFailed", contract.PaymentFailed(
        order_id=e.order_id, purpose=e.purpose, reason=e.reason, failed_at=e.at
    )


def _deposit_refunded(e: Any, ctx: dict[str, Any]) -> Built:
    return "RefundIssued", contract.RefundIssued(
        order_id=e.order_id, amount=_money(e.amount_minor, ctx), reason=e.reason, issued_at=e.at, method="deposit"
    )


def _drawn(e: Any, ctx: dict[str, Any]) -> Built:
    if not e.selected:
        return None
    return "PaymentHeldForReview", contract.PaymentHeldForReview(order_id=e.order_id, purpose="goods", held_at=e.at)


def _reviewed(approved: bool) -> Callable[[Any, dict[str, Any]], Built]:
    def build(e: Any, ctx: dict[str, Any]) -> Built:
        return "PaymentReviewCompleted", contract.PaymentReviewCompleted(
            order_id=ctx["order_id"],
            approved=approved,
            reviewer=e.reviewer,
            note=str(getattr(e, "note", None) or getattr(e, "reason", "")),
            reviewed_at=e.at,
        )

    return build


_BUILDERS: dict[type[Any], Callable[[Any, dict[str, Any]], Built]] = {
    Payment.ConfirmationReleased: _released,
    Payment.CaptureDeclined: _declined,
    Payment.DuplicateChargeDetected: _duplicate,
    Payment.RefundRecorded: _refunded,
    Payment.Settled: _settled,
    Payment.SettlementOverdueFlagged: _overdue,
    DepositAccount.Debited: _debited,
    DepositAccount.Refunded: _deposit_refunded,
    DepositAccount.DebitRefused: _debit_refused,
    FraudCheck.FraudDrawRecorded: _drawn,
    FraudCheck.ReviewApproved: _reviewed(True),
    FraudCheck.ReviewRejected: _reviewed(False),
}
