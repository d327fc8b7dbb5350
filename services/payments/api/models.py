"""Payments HTTP request (XCreate) and response (XPublic) models."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.payments.application.views import OwedRefund
from services.payments.domain import CaptureOutcome, DepositAccount, Movement, Payment
from shared.events import Money

Purpose = Literal["goods", "shipping", "sample_fee"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaptureCreate(_In):
    method: Literal["card", "paypal"]
    source: str = Field(min_length=1, max_length=64, description="card number, or PayPal payer id")


class SettlementCreate(_In):
    amount_minor: int = Field(gt=0, description="what arrived (at most PAYMENTS_MAX_AMOUNT_MINOR)")
    purpose: Purpose = Field(default="goods", description="the payment the transfer was for (P7: shipping)")
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the bank reference: the same one settles once; without one, the same amount again is a retry",
    )


class CreditCreate(_In):
    amount_minor: int = Field(gt=0, description="at most PAYMENTS_MAX_AMOUNT_MINOR")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str = Field(min_length=1, max_length=128, description="bank reference; the same one credits once")


class ReviewCreate(_In):
    approve: bool
    note: str = Field(min_length=3, max_length=500)


class CapturePublic(BaseModel):
    status: str
    provider_ref: str | None
    network: str | None
    last4: str | None
    reason: str | None
    duplicate: bool

    @classmethod
    def of(cls, o: CaptureOutcome) -> CapturePublic:
        return cls(
            status=o.status,
            provider_ref=o.provider_ref,
            network=o.network,
            last4=o.last4,
            reason=o.reason,
            duplicate=o.duplicate,
        )


class PaymentPublic(BaseModel):
    order_id: str
    purpose: str
    method: str
    amount: Money
    paid: Money
    refunded: Money
    refunds_owed: Money = Field(description="P6: refunds owed through the provider, not made yet (retried)")
    confirms_order: bool
    settled: bool
    cancelled: bool = Field(description="O5: the order was cancelled; what arrives for it goes back")
    vouchers: int
    captures: list[CapturePublic]

    @classmethod
    def of(cls, p: Payment) -> PaymentPublic:
        def money(minor: int) -> Money:
            return Money(amount_minor=minor, currency=p.currency)

        return cls(
            order_id=p.order_id,
            purpose=p.purpose,
            method=p.method,
            amount=money(p.amount_minor),
            paid=money(p.paid_minor),
            refunded=money(p.refunded_minor),
            refunds_owed=money(p.pending_refund_minor),
            confirms_order=p.confirms_order,
            settled=p.settled_at is not None,
            cancelled=p.closed is not None,
            vouchers=len(p.vouchers),
            captures=[CapturePublic.of(c) for c in p.attempts.values()],
        )


class DepositPublic(BaseModel):
    customer_id: str
    balance: Money

    @classmethod
    def of(cls, a: DepositAccount) -> DepositPublic:
        return cls(customer_id=a.customer_id, balance=Money(amount_minor=a.balance_minor, currency=a.currency))


class MovementPublic(BaseModel):
    kind: Literal["Credited", "Debited", "Refunded", "DebitRefused"]
    amount_minor: int
    balance_after_minor: int
    order_id: str | None
    purpose: str | None
    reference: str | None
    reason: str | None
    at: datetime

    @classmethod
    def of(cls, m: Movement) -> MovementPublic:
        return cls.model_validate(m, from_attributes=True)


class DepositStatement(DepositPublic):
    movements: list[MovementPublic]


class OverduePublic(BaseModel):
    """P2: a transfer confirmed by voucher that has not arrived in time, for the customer's account manager."""

    order_id: str
    purpose: str
    customer_id: str
    amount: Money
    arrived: Money
    due_at: datetime | None

    @classmethod
    def of(cls, p: Payment, settlement_days: int) -> OverduePublic:
        return cls(
            order_id=p.order_id,
            purpose=p.purpose,
            customer_id=p.customer_id,
            amount=Money(amount_minor=p.amount_minor, currency=p.currency),
            arrived=Money(amount_minor=p.settled_minor, currency=p.currency),
            due_at=p.settlement_deadline(settlement_days),
        )


class OwedRefundPublic(BaseModel):
    """P6: a refund owed through the provider and not made yet; the service keeps retrying it."""

    order_id: str
    purpose: str
    method: str
    customer_id: str
    amount: Money
    reason: str
    key: str
    owed_since: datetime
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, r: OwedRefund) -> OwedRefundPublic:
        data = {k: v for k, v in asdict(r).items() if k not in ("amount_minor", "currency")}
        return cls(**data, amount=Money(amount_minor=r.amount_minor, currency=r.currency))
