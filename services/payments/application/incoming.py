"""How payments reacts to orders and shipping: open payments, draw fraud checks, debit deposits,
refund shortfalls and cancellations (P6), ask for the shipping cost (P7)."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.payments.adapters.inbound import payload
from services.payments.domain import (
    DepositAccount,
    FraudCheck,
    InsufficientDeposit,
    Payment,
    PaymentConflict,
    PaymentNotFound,
    payment_id,
)
from shared.events import Envelope
from shared.runtime.timers import Timer

if TYPE_CHECKING:
    from services.payments.application.app import PaymentsApplication

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]


def on_order_placed(app: PaymentsApplication, envelope: Envelope, pe: PE) -> None:
    placed = payload(envelope)
    if placed.payment_method is None:
        return
    purpose = "sample_fee" if placed.sample else "goods"
    if _exists(app, payment_id(placed.order_id, purpose), pe):
        return
    at = app.clock.now()
    if placed.payment_method == "deposit":
        account = app.deposit(placed.customer_id, placed.total.currency, pe)
        _debit_or_refuse(account, placed.order_id, purpose, placed.total.amount_minor, at, pe)
        return
    pe.collect_events(
        Payment.request(
            placed.order_id,
            purpose,
            placed.total.amount_minor,
            placed.total.currency,
            placed.payment_method,
            placed.customer_id,
            at,
        ),
        FraudCheck.draw(placed.order_id, app.fraud_share, app.rng(), at),  # P5: recorded, never re-rolled
    )


def _exists(app: PaymentsApplication, aggregate_id: uuid.UUID, pe: PE) -> bool:
    return aggregate_id in pe.aggregates or aggregate_id in app.repository


def _debit_or_refuse(account: DepositAccount, order_id: str, purpose: str, amount_minor: int, at: Any, pe: PE) -> None:
    """Pay the order from the deposit (P3), or record that the balance does not cover it (PaymentFailed)."""
    try:
        if account.debit(order_id, amount_minor, account.currency, at, purpose):
            pe.collect_events(account)
    except InsufficientDeposit as exc:  # recorded and published; the customer may top up and pay from it
        log.warning("deposit does not cover the order", extra={"order_id": order_id, "error": str(exc)})
        if account.refuse_debit(order_id, purpose, amount_minor, str(exc), at):
            pe.collect_events(account)


def on_items_reduced(app: PaymentsApplication, envelope: Envelope, pe: PE) -> None:
    """OrderItemsReduced (I3, O7): refund what was paid for the missing items; if nothing was paid
    yet, ask for the new total instead (a card is charged for what is there, a deposit debited)."""
    event = payload(envelope)
    if event.refund.amount_minor > 0:
        on_refund_due(app, envelope, pe)
        return
    new_total, at = event.new_total.amount_minor, app.clock.now()
    if new_total <= 0:
        log.info("nothing left to pay for", extra={"order_id": event.order_id})
        return
    for purpose in ("goods", "sample_fee"):
        try:
            payment = app.payment(event.order_id, purpose, pe)
        except PaymentNotFound:
            continue
        try:
            if payment.amend_amount(new_total, event.reason, at):
                pe.collect_events(payment)
        except PaymentConflict:  # paid meanwhile: orders owes the excess back (OrderRefundDue)
            log.info("paid before the reduction arrived", extra={"order_id": event.order_id})
        return
    account = app.deposit(event.customer_id, event.new_total.currency, pe)
    for purpose in ("goods", "sample_fee"):
        if account.awaiting(event.order_id, purpose) is not None:  # a deposit order still waiting for money
            _debit_or_refuse(account, event.order_id, purpose, new_total, at, pe)


def on_refund_due(app: PaymentsApplication, envelope: Envelope, pe: PE) -> None:
    """OrderItemsReduced (shortage, I3) and OrderCancelled (O5): refund to the original method."""
    event = payload(envelope)
    if event.refund.amount_minor <= 0:
        return
    changed = app.refund_order(
        event.order_id,
        event.customer_id,
        event.refund.amount_minor,
        event.reason,
        key=f"{envelope.event_type}:{envelope.event_id}",
        pe=pe,
    )
    pe.collect_events(*changed)


def on_shipping_quoted(app: PaymentsApplication, envelope: Envelope, pe: PE) -> None:
    quoted = payload(envelope)
    if _exists(app, payment_id(quoted.order_id, "shipping"), pe):
        return
    try:
        goods = app.payment(quoted.order_id, "goods", pe)
        method, customer = goods.method, goods.customer_id
    except PaymentNotFound:
        method, customer = "card", ""
    pe.collect_events(
        Payment.request(
            quoted.order_id,
            "shipping",
            quoted.cost.amount_minor,
            quoted.cost.currency,
            method,
            customer or "unknown",
            app.clock.now(),
        )
    )


def on_settlement_due(app: PaymentsApplication, timer: Timer, pe: PE) -> None:
    """P2: a voucher's transfer that has not settled in time is flagged for the account manager."""
    try:
        payment: Payment = app.load(uuid.UUID(timer.target), pe)
    except AggregateNotFoundError:
        return
    now = app.clock.now()
    if payment.settlement_overdue(now, app.settlement_days):
        payment.flag_settlement_overdue(now, app.settlement_days)
        pe.collect_events(payment)


HANDLERS: dict[str, Any] = {
    "OrderPlaced": on_order_placed,
    "OrderItemsReduced": on_items_reduced,
    "OrderCancelled": on_refund_due,
    "OrderRefundDue": on_refund_due,
    "ShippingQuoted": on_shipping_quoted,
}
TIMERS: dict[str, Any] = {"settlement-overdue": on_settlement_due}
