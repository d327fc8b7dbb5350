"""Payments domain events -> integration events on `payments.events`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.payments.domain import DepositAccount, FraudCheck, Payment, TicketRefund
from shared.events import Money
from shared.events import payments as contract
from shared.runtime.translate import Outbound, context_of

Built = Outbound | None
"""(event type, payload, the order id it is published under), or None if the event stays inside."""


def translate(domain_event: Any) -> Outbound | None:
    """A stored domain event as the integration event it publishes, if any. What the event itself
    does not say (a payment's order, currency, method) comes from the context the application
    stored with it (`context_for`, through the chassis' `event_context` hook)."""
    build = _BUILDERS.get(type(domain_event))
    return build(domain_event, context_of(domain_event)) if build is not None else None


def context_for(aggregate: object) -> dict[str, Any] | None:
    """What the integration events about an aggregate must say besides the change itself; the
    application stores it with each event (the chassis' `event_context` hook) for `translate`."""
    if isinstance(aggregate, Payment):
        return {
            "order_id": aggregate.order_id,
            "purpose": aggregate.purpose,
            "method": aggregate.method,
            "currency": aggregate.currency,
            "customer_id": aggregate.customer_id,
            "amount_minor": aggregate.amount_minor,
        }
    if isinstance(aggregate, DepositAccount):
        return {"customer_id": aggregate.customer_id, "currency": aggregate.currency}
    if isinstance(aggregate, FraudCheck):
        return {"order_id": aggregate.order_id}
    if isinstance(aggregate, TicketRefund):
        return {
            "order_id": aggregate.order_id,
            "refund_id": aggregate.refund_id,
            "purpose": aggregate.purpose,
            "currency": aggregate.currency,
            "amount_minor": aggregate.amount_minor,
        }
    return None


def _money(amount_minor: int, ctx: dict[str, Any]) -> Money:
    return Money(amount_minor=amount_minor, currency=ctx["currency"])


# --- a payment's events: its order, purpose, method and currency come from the context ----------
def _released(e: Any, ctx: dict[str, Any]) -> Built:
    order_id, amount = ctx["order_id"], _money(e.amount_minor, ctx)
    if e.by == "voucher":
        voucher = contract.PaymentVoucherReceived(
            order_id=order_id, purpose=ctx["purpose"], amount=amount, received_at=e.at
        )
        return "PaymentVoucherReceived", voucher, order_id
    captured = contract.PaymentCaptured(
        order_id=order_id, purpose=ctx["purpose"], method=ctx["method"], amount=amount, captured_at=e.at
    )
    return "PaymentCaptured", captured, order_id


def _declined(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    failed = contract.PaymentFailed(order_id=order_id, purpose=ctx["purpose"], reason=e.reason, failed_at=e.at)
    return "PaymentFailed", failed, order_id


def _duplicate(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    detected = contract.DuplicateChargeDetected(
        order_id=order_id, purpose=ctx["purpose"], amount=_money(e.amount_minor, ctx), detected_at=e.at
    )
    return "DuplicateChargeDetected", detected, order_id


def _refunded(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    issued = contract.RefundIssued(
        order_id=order_id,
        amount=_money(e.amount_minor, ctx),
        reason=e.reason,
        issued_at=e.at,
        method=ctx["method"],
        purpose=ctx["purpose"],
        reference=e.request_ref,
    )
    return "RefundIssued", issued, order_id


def _settled(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    confirms = getattr(e, "confirms_minor", None)  # not in Settled events stored before partial settlements
    settled = contract.PaymentSettled(
        order_id=order_id,
        purpose=ctx["purpose"],
        amount=_money(e.amount_minor, ctx),
        settled_at=e.at,
        confirms=_money(confirms, ctx) if confirms is not None else None,
        covered=getattr(e, "covered", None),
    )
    return "PaymentSettled", settled, order_id


def _overdue(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    overdue = contract.SettlementOverdue(
        order_id=order_id,
        customer_id=ctx["customer_id"],
        amount=_money(ctx["amount_minor"], ctx),
        due_at=e.due_at,
        flagged_at=e.at,
    )
    return "SettlementOverdue", overdue, order_id


# --- a deposit's events name their order; the customer and currency come from the context ------
def _debited(e: Any, ctx: dict[str, Any]) -> Built:
    debited = contract.DepositDebited(
        order_id=e.order_id,
        customer_id=ctx["customer_id"],
        amount=_money(e.amount_minor, ctx),
        debited_at=e.at,
        purpose=e.purpose,
    )
    return "DepositDebited", debited, e.order_id


def _debit_refused(e: Any, ctx: dict[str, Any]) -> Built:
    failed = contract.PaymentFailed(order_id=e.order_id, purpose=e.purpose, reason=e.reason, failed_at=e.at)
    return "PaymentFailed", failed, e.order_id


def _deposit_refunded(e: Any, ctx: dict[str, Any]) -> Built:
    issued = contract.RefundIssued(
        order_id=e.order_id,
        amount=_money(e.amount_minor, ctx),
        reason=e.reason,
        issued_at=e.at,
        method="deposit",
        purpose=e.purpose,
        reference=getattr(e, "request_ref", None),  # not in Refunded events stored before tickets' refunds
    )
    return "RefundIssued", issued, e.order_id


# --- a ticket's refund request: only a refusal is published (a grant is its RefundIssued) -------
def _ticket_refund_refused(e: Any, ctx: dict[str, Any]) -> Built:
    order_id = ctx["order_id"]
    refused = contract.RefundRefused(
        order_id=order_id,
        reference=ctx["refund_id"],
        purpose=ctx["purpose"],
        amount=_money(ctx["amount_minor"], ctx),
        reason=e.reason,
        refused_at=e.at,
    )
    return "RefundRefused", refused, order_id


# --- a fraud check's events ----------------------------------------------------------------------
def _drawn(e: Any, ctx: dict[str, Any]) -> Built:
    if not e.selected:
        return None
    held = contract.PaymentHeldForReview(order_id=e.order_id, purpose="goods", held_at=e.at)
    return "PaymentHeldForReview", held, e.order_id


def _approved(e: Any, ctx: dict[str, Any]) -> Built:
    return _reviewed(ctx["order_id"], True, e.reviewer, e.note, e.at)


def _rejected(e: Any, ctx: dict[str, Any]) -> Built:
    return _reviewed(ctx["order_id"], False, e.reviewer, e.reason, e.at)


def _reviewed(order_id: str, approved: bool, reviewer: str, note: str, at: datetime) -> Built:
    completed = contract.PaymentReviewCompleted(
        order_id=order_id, approved=approved, reviewer=reviewer, note=note, reviewed_at=at
    )
    return "PaymentReviewCompleted", completed, order_id


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
    FraudCheck.ReviewApproved: _approved,
    FraudCheck.ReviewRejected: _rejected,
    TicketRefund.Refused: _ticket_refund_refused,
}
