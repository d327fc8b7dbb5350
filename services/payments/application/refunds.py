"""Refunds to the original payment method (P4, P6): an order's goods money (a shortfall, a change, an
overpayment), a duplicate capture, and the refunds after-sale tickets ask for (T5). Card and PayPal go
back through the provider as owed refunds paid by a durable retry loop (`owed`), a bank transfer by
transfer (or when it settles, P2), a deposit debit to the deposit. Each function changes aggregates and
returns them (timers it sets are collected on `pe`); the caller saves or collects them."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Protocol

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate

from services.payments.application.owed import OwingPort, owe
from services.payments.domain import (
    PAID_AS,
    DepositAccount,
    DepositOrder,
    Payment,
    TicketRefund,
    payment_id,
)
from services.payments.domain.money import format_money as _money

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]


GOODS_PURPOSES = ("goods", "sample_fee")
"""How an order's goods are paid: as goods, or as a sample order's fee (O3)."""


class RefundingPort(OwingPort, Protocol):
    """What refunds need of the payments application (inside a batch, `pe` shows earlier changes)."""

    def order_payment(self, order_id: str, pe: PE | None = None) -> Payment | None: ...

    def deposit(self, customer_id: str, currency: str = "USD", pe: PE | None = None) -> DepositAccount: ...

    def deposit_order(self, order_id: str, pe: PE | None = None) -> DepositOrder | None: ...


def refund_order(
    app: RefundingPort,
    order_id: str,
    customer_id: str,
    amount_minor: int,
    reason: str,
    key: str,
    pe: PE,
) -> list[Aggregate]:
    """Refund an order's goods money (paid as goods or as a sample fee) to its original method: card,
    PayPal, transfer or deposit (P6). Returns the aggregates changed (the caller saves them); the same
    `key` refunds once."""
    payment = app.order_payment(order_id, pe)
    if payment is not None:
        return [payment] if refund_payment(app, payment, amount_minor, reason, key, pe) else []
    payer = app.deposit_order(order_id, pe)
    account = app.deposit(payer.customer_id if payer is not None else customer_id, pe=pe)
    purpose = next((p for p in GOODS_PURPOSES if account.debited_for(order_id, p)), "goods")
    paid = account.refundable_for(order_id, purpose)
    if paid <= 0:
        log.info("nothing paid to refund", extra={"order_id": order_id, "reason": reason})
        return []
    refunded = account.refund(order_id, min(amount_minor, paid), reason, key, app.clock.now(), purpose)
    return [account] if refunded else []


def held_for_goods(app: RefundingPort, order_id: str, customer_id: str, pe: PE) -> int:
    """What payments holds of an order's goods money (or sample fee) and could still give back (P6)."""
    payment = app.order_payment(order_id, pe)
    if payment is not None:
        return payment.left_to_refund
    payer = app.deposit_order(order_id, pe)
    account = app.deposit(payer.customer_id if payer is not None else customer_id, pe=pe)
    return sum(account.refundable_for(order_id, p) for p in GOODS_PURPOSES)


def refund_payment(
    app: RefundingPort,
    payment: Payment,
    amount_minor: int,
    reason: str,
    key: str,
    pe: PE,
    request_ref: str | None = None,
) -> int:
    """Refund up to `amount_minor` of a payment to where it came from; return what was refunded or owed
    (through the provider until it is made; by transfer when it settles). `request_ref` is the
    requester's own reference, if it gave one."""
    if payment.method == "bank_transfer":  # no provider: the domain refunds now or when it settles
        return payment.refund_by_transfer(amount_minor, reason, key, app.clock.now(), request_ref)
    owing = 0
    for capture_ref, part in payment.refund_plan(amount_minor):
        owe(app, payment, f"{key}:{capture_ref}", part, reason, capture_ref, pe, request_ref)
        owing += part
    return owing


def refund_duplicates(app: RefundingPort, payment: Payment, pe: PE) -> None:
    """Give back every second capture of the same payment (P4)."""
    for ref, amount in payment.duplicates_to_refund():
        owe(app, payment, f"duplicate:{ref}", amount, "duplicate charge (P4)", ref, pe)


# --- a ticket's refund request (T5) ---------------------------------------------------------------
def refund_for_ticket(app: RefundingPort, request: TicketRefund, customer_id: str, pe: PE) -> list[Aggregate]:
    """Answer a ticket's refund request (T5, P6): give back up to the amount asked of the order's payment
    for that purpose (the goods, or a sample order's fee; the shipping) to its original method, capped by
    what was paid for it and not yet refunded; or refuse, saying why, when nothing is left to give back.
    Records the answer on `request`; returns the payment or deposit account changed."""
    at = app.clock.now()
    if request.amount_minor <= 0:
        request.refuse(f"nothing to refund: {_money(request.amount_minor, request.currency)} was asked", at)
        return []
    found = (app.payment_by_id(payment_id(request.order_id, paid_as), pe) for paid_as in PAID_AS[request.purpose])
    payment = next((p for p in found if p is not None), None)
    if payment is not None:
        return _from_payment(app, request, payment, at, pe)
    return _from_deposit(app, request, customer_id, at, pe)


def _from_payment(app: RefundingPort, request: TicketRefund, payment: Payment, at: datetime, pe: PE) -> list[Aggregate]:
    what = f"order {request.order_id}'s {payment.purpose} payment"
    if payment.currency != request.currency:
        request.refuse(f"the refund is asked in {request.currency}, but {what} is in {payment.currency}", at)
        return []
    if not payment.paid_minor and not payment.vouchers:
        request.refuse(f"nothing was paid for the {request.purpose} of order {request.order_id}", at)
        return []
    amount = min(request.amount_minor, payment.left_to_refund)
    deferred = payment.method == "bank_transfer" and payment.settled_at is None
    refunded = refund_payment(app, payment, amount, request.reason, request.key, pe, request.refund_id) if amount else 0
    if refunded <= 0:
        paid = payment.paid_minor or payment.amount_minor  # a transfer not settled: what its voucher confirms
        given = paid - payment.left_to_refund
        amounts = f"paid {_money(paid, payment.currency)}, refunded or owed back {_money(given, payment.currency)}"
        request.refuse(f"{what} has nothing left to refund ({amounts})", at)
        return []
    request.grant(payment.purpose, payment.method, refunded, deferred, at)
    return [payment]


def _from_deposit(app: RefundingPort, request: TicketRefund, customer_id: str, at: datetime, pe: PE) -> list[Aggregate]:
    payer = app.deposit_order(request.order_id, pe)
    account = app.deposit(payer.customer_id if payer is not None else customer_id, pe=pe)
    paid_as = next((p for p in PAID_AS[request.purpose] if account.debited_for(request.order_id, p)), None)
    if paid_as is None:
        request.refuse(f"nothing was paid for the {request.purpose} of order {request.order_id}", at)
        return []
    what = f"order {request.order_id}'s {paid_as} debit from the deposit"
    if account.currency != request.currency:
        request.refuse(f"the refund is asked in {request.currency}, but {what} is in {account.currency}", at)
        return []
    amount = min(request.amount_minor, account.refundable_for(request.order_id, paid_as))
    if amount <= 0:
        debited = _money(account.debited_for(request.order_id, paid_as), account.currency)
        refunded = _money(account.refunded_for(request.order_id, paid_as), account.currency)
        request.refuse(f"{what} has nothing left to refund (debited {debited}, refunded {refunded})", at)
        return []
    account.refund(request.order_id, amount, request.reason, request.key, at, paid_as, request.refund_id)
    request.grant(paid_as, "deposit", amount, False, at)
    return [account]
