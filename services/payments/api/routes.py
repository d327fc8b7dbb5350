"""Payments HTTP routes: pay, deposits (customers); settlement, reviews (staff). Vouchers: api/vouchers.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query

from services.payments.api.models import (
    CaptureCreate,
    CapturePublic,
    CreditCreate,
    DepositPublic,
    DepositStatement,
    MovementPublic,
    OverduePublic,
    OwedRefundPublic,
    PaymentPublic,
    Purpose,
    ReviewCreate,
    SettlementCreate,
)
from services.payments.application import PaymentsApplication
from services.payments.domain import CaptureOutcome, Payment, PaymentNotFound
from shared.runtime.audit.described import HistoryEvent, published_history
from shared.runtime.http.deps import AsOf, Auditor, Ops, PrincipalDep, RuntimeDep, require
from shared.runtime.http.problems import problems
from shared.runtime.identity import Principal

router = APIRouter(tags=["payments"])
Customer = Annotated[Principal, Depends(require("customer"))]
Staff = Annotated[Principal, Depends(require("account_manager", "ops"))]


def payments_app(runtime: Any) -> PaymentsApplication:
    app: PaymentsApplication = runtime.app
    return app


async def own_payment(app: PaymentsApplication, order_id: str, purpose: str, principal: Principal) -> Payment:
    """The order's payment for `purpose`, if the caller may act on it: its customer, their account
    manager, ops (X2); else 403."""
    payment = await asyncio.to_thread(app.payment, order_id, purpose)
    _check_customer(principal, payment.customer_id)
    return payment


def _check_customer(principal: Principal, customer_id: str) -> None:
    if not principal.may_see_customer(customer_id):
        raise HTTPException(403, "order_id: this order belongs to another customer (X2)")


@router.post(
    "/payments/{order_id}/{purpose}/capture",
    response_model=CapturePublic,
    responses=problems(403, 404, 409, 502, 503, 504),
)
async def capture(
    order_id: str,
    purpose: Purpose,
    body: CaptureCreate,
    runtime: RuntimeDep,
    customer: Customer,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=128)],
) -> CapturePublic:
    """Pay by card (Visa, MasterCard, JCB) or PayPal; retries with the same Idempotency-Key never charge twice."""
    app = payments_app(runtime)

    def pay() -> CaptureOutcome:  # one hop to the thread pool: who may pay checked on the payment capture uses
        payment = app.payment(order_id, purpose)
        _check_customer(customer, payment.customer_id)
        return app.capture(order_id, purpose, body.method, body.source, idempotency_key, loaded=payment)

    return CapturePublic.of(await asyncio.to_thread(pay))


@router.post("/payments/{order_id}/settle", response_model=PaymentPublic, responses=problems(404, 409))
async def settle(order_id: str, body: SettlementCreate, runtime: RuntimeDep, staff: Staff) -> PaymentPublic:
    """The bank transfer for the goods, the sample fee or the shipping (`purpose`, goods by default) arrived:
    the customer's account manager, or ops (X2)."""
    app = payments_app(runtime)
    await own_payment(app, order_id, body.purpose, staff)
    settled = await asyncio.to_thread(app.settle, order_id, body.amount_minor, body.purpose, body.reference)
    return PaymentPublic.of(settled)


@router.get("/transfers/overdue", response_model=list[OverduePublic])
async def overdue_transfers(runtime: RuntimeDep, staff: Staff) -> list[OverduePublic]:
    """P2: transfers flagged overdue (SettlementOverdue) and still not arrived, of orders not cancelled:
    an account manager sees their customers', ops everyone's."""
    app = payments_app(runtime)
    customers = None if staff.role == "ops" else staff.customers
    found = await asyncio.to_thread(app.overdue_transfers, customers)
    return [OverduePublic.of(p, app.settlement_days) for p in found]


@router.get("/admin/refunds/owed", response_model=list[OwedRefundPublic])
async def refunds_owed(
    runtime: RuntimeDep, _: Ops, older_than_minutes: Annotated[int | None, Query(ge=0)] = None
) -> list[OwedRefundPublic]:
    """P6: refunds owed through the provider and not made for longer than `older_than_minutes` (default
    PAYMENTS_REFUND_ALERT_MINUTES); the service keeps retrying each one, nobody has to push it."""
    older_than = timedelta(minutes=older_than_minutes) if older_than_minutes is not None else None
    found = await asyncio.to_thread(payments_app(runtime).refunds_owed, older_than)
    return [OwedRefundPublic.of(r) for r in found]


@router.get("/payments/{order_id}", response_model=list[PaymentPublic], responses=problems(403, 404))
async def payments_of(order_id: str, runtime: RuntimeDep, principal: PrincipalDep, as_of: AsOf) -> list[PaymentPublic]:
    """The order's payments (goods or sample fee, shipping); auditors may ask as of an instant."""
    app = payments_app(runtime)
    found = []
    for purpose in ("goods", "sample_fee", "shipping"):
        try:
            found.append(await own_payment(app, order_id, purpose, principal))
        except PaymentNotFound:
            continue
    if not found:
        raise PaymentNotFound(f"no payments for order {order_id}", field="order_id", rule="P1")
    if as_of is not None:
        if principal.role not in ("auditor", "ops"):
            raise HTTPException(403, "role: as_of is for auditors and ops")
        then = [await asyncio.to_thread(app.payment_as_of, order_id, p.purpose, as_of) for p in found]
        found = [p for p in then if p is not None]
    return [PaymentPublic.of(p) for p in found]


@router.get("/payments/{order_id}/{purpose}/history", response_model=list[HistoryEvent], responses=problems(404))
async def payment_history(order_id: str, purpose: Purpose, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """Every event of one payment, in order, under their published names and versions (auditors)."""
    payment = await asyncio.to_thread(payments_app(runtime).payment, order_id, purpose)
    return await published_history(runtime, payment.id)


@router.get("/deposits/mine", response_model=DepositPublic)
async def my_deposit(runtime: RuntimeDep, customer: Customer) -> DepositPublic:
    """The calling customer's deposit balance."""
    return DepositPublic.of(await asyncio.to_thread(payments_app(runtime).deposit, customer.subject))


@router.get("/deposits/mine/history", response_model=list[MovementPublic])
async def my_deposit_history(runtime: RuntimeDep, customer: Customer) -> list[MovementPublic]:
    """The calling customer's deposit statement, oldest first, with the balance after each movement."""
    movements = await asyncio.to_thread(payments_app(runtime).deposit_movements, customer.subject)
    return [MovementPublic.of(m) for m in movements]


@router.get("/deposits/{customer_id}", response_model=DepositStatement, responses=problems(403))
async def deposit_of(customer_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> DepositStatement:
    """A customer's deposit and statement: their account manager, ops and auditors (X2)."""
    if principal.role == "customer" or not principal.may_see_customer(customer_id):
        raise HTTPException(403, "customer_id: not one of your customers (X2)")
    app = payments_app(runtime)
    account = await asyncio.to_thread(app.deposit, customer_id)
    movements = await asyncio.to_thread(app.deposit_movements, customer_id)
    return DepositStatement(
        **DepositPublic.of(account).model_dump(), movements=[MovementPublic.of(m) for m in movements]
    )


@router.post("/deposits/{customer_id}/credits", response_model=DepositPublic, responses=problems(409))
async def credit_deposit(customer_id: str, body: CreditCreate, runtime: RuntimeDep, staff: Staff) -> DepositPublic:
    """Money a customer sent as a deposit (account manager or ops)."""
    if not staff.may_see_customer(customer_id):
        raise HTTPException(403, "customer_id: not one of your customers (X2)")
    app = payments_app(runtime)
    return DepositPublic.of(
        await asyncio.to_thread(app.credit_deposit, customer_id, body.amount_minor, body.currency, body.reference)
    )


@router.post("/payments/{order_id}/{purpose}/deposit", response_model=DepositPublic, responses=problems(404, 409))
async def pay_from_deposit(order_id: str, purpose: Purpose, runtime: RuntimeDep, customer: Customer) -> DepositPublic:
    """Pay from the deposit, after a top-up, what an order paid from it waits for (P3): the goods (or
    sample fee) the balance did not cover at checkout, or the shipping it did not cover at the quote (P7)."""
    app = payments_app(runtime)
    payer = await asyncio.to_thread(app.payer, order_id)
    if payer is not None:  # unknown orders: the deposit says it waits for nothing (404)
        _check_customer(customer, payer)
    account = await asyncio.to_thread(app.pay_awaited_from_deposit, order_id, customer.subject, purpose)
    return DepositPublic.of(account)


@router.get("/admin/reviews")
async def held_for_review(runtime: RuntimeDep, _: Ops) -> list[dict[str, Any]]:
    """P5: orders drawn for an authorization check and not yet decided."""
    checks = await asyncio.to_thread(payments_app(runtime).held_for_review)
    return [{"order_id": c.order_id, "drawn_at": c.drawn_at.isoformat(), "share": c.share} for c in checks]


@router.post("/admin/reviews/{order_id}", responses=problems(404, 409))
async def review(order_id: str, body: ReviewCreate, runtime: RuntimeDep, ops: Ops) -> dict[str, Any]:
    """P5: approve (the order confirms) or reject (what was paid is refunded)."""
    check = await asyncio.to_thread(payments_app(runtime).review, order_id, ops.subject, body.approve, body.note)
    return {"order_id": check.order_id, "review": check.review, "reviewer": check.reviewer}
