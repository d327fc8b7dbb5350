"""Events published by the payments service on `payments.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.events.base import Contract
from shared.events.money import Money
from shared.events.registry import event

Purpose = Literal["goods", "shipping", "sample_fee"]


_Payload = Contract


@event("payments", "PaymentCaptured")
class PaymentCaptured(_Payload):
    order_id: str
    purpose: Purpose
    method: Literal["card", "paypal"]
    amount: Money
    captured_at: datetime


@event("payments", "PaymentVoucherReceived")
class PaymentVoucherReceived(_Payload):
    order_id: str
    purpose: Purpose
    amount: Money
    received_at: datetime


@event("payments", "DepositDebited")
class DepositDebited(_Payload):
    """P3: the order was paid from the customer's deposit."""

    order_id: str
    customer_id: str
    amount: Money
    debited_at: datetime
    purpose: Purpose = "goods"


@event("payments", "RefundIssued")
class RefundIssued(_Payload):
    """Money went back to the original payment method (P6)."""

    order_id: str
    amount: Money
    reason: str
    issued_at: datetime
    method: str | None = None
    purpose: Purpose | None = Field(
        default=None, description="Which payment was refunded: the goods, the sample fee or the shipping"
    )
    reference: str | None = Field(
        default=None,
        description="The requester's reference: the refund_id of the TicketRefundRequested this answers; "
        "None for refunds no ticket asked for (a shortfall, a cancellation, a duplicate charge)",
    )


@event("payments", "RefundRefused")
class RefundRefused(_Payload):
    """P6/T5: a refund asked for by reference was not made, because nothing is left to give back of that
    purpose's payment (nothing was paid for it, or it is refunded in full). The requester stops waiting."""

    order_id: str
    reference: str = Field(description="The requester's reference: the refund_id of the TicketRefundRequested")
    purpose: Purpose = Field(description="The purpose the refund was asked for")
    amount: Money = Field(description="The amount asked for")
    reason: str = Field(description="Why nothing was refunded")
    refused_at: datetime


@event("payments", "PaymentSettled")
class PaymentSettled(_Payload):
    """Money of a bank transfer arrived (P2): `amount` is what arrived this time (one settlement per bank
    reference); `confirms` what it adds to the money the order was told of (a voucher told it before);
    `covered` whether what arrived in all now covers what is asked. Both None in events published
    before partial settlements, which each settled the transfer."""

    order_id: str
    purpose: Purpose
    amount: Money
    settled_at: datetime
    confirms: Money | None = Field(default=None, description="What this settlement adds to what the order knew of")
    covered: bool | None = Field(default=None, description="What arrived in all covers what is asked")


@event("payments", "PaymentFailed")
class PaymentFailed(_Payload):
    order_id: str
    purpose: Purpose
    reason: str
    failed_at: datetime


@event("payments", "DuplicateChargeDetected")
class DuplicateChargeDetected(_Payload):
    """A second real capture for the same order and purpose (P4); it is refunded automatically."""

    order_id: str
    purpose: Purpose
    amount: Money
    detected_at: datetime


@event("payments", "PaymentHeldForReview")
class PaymentHeldForReview(_Payload):
    """P5: the order was drawn for an authorization check; it confirms only once approved."""

    order_id: str
    purpose: Purpose
    held_at: datetime


@event("payments", "PaymentReviewCompleted")
class PaymentReviewCompleted(_Payload):
    order_id: str
    approved: bool
    reviewer: str
    note: str
    reviewed_at: datetime


@event("payments", "SettlementOverdue")
class SettlementOverdue(_Payload):
    """P2: a transfer confirmed by voucher has not settled within the deadline; the account manager follows up."""

    order_id: str
    customer_id: str
    amount: Money
    due_at: datetime
    flagged_at: datetime
