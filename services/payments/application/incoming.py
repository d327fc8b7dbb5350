"""How payments reacts to orders and shipping: open payments, draw fraud checks, debit deposits,
refund shortfalls and cancellations (P6), ask for the shipping cost (P7)."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.payments.adapters.inbound import payload
from services.payments.domain import FraudCheck, InsufficientDeposit, Payment, PaymentNotFound, payment_id
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
    if payment_id(placed.order_id, purpose) in app.repository:
        return
    at = app.clock.now()
    if placed.payment_method == "deposit":
        account = app.deposit(placed.customer_id, placed.total.currency)
        try:
            if account.debit(placed.order_id, placed.total.amount_minor, placed.total.currency, at, purpose):
                pe.collect_events(account)
        except InsufficientDeposit as exc:  # recorded and published (PaymentFailed); the customer may top up
            log.warning("deposit does not cover the order", extra={"order_id": placed.order_id, "error": str(exc)})
            if account.refuse_debit(placed.order_id, purpose, placed.total.amount_minor, str(exc), at):
                pe.collect_events(account)
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
    )
    pe.collect_events(*changed)


def on_shipping_quoted(app: PaymentsApplication, envelope: Envelope, pe: PE) -> None:
    quoted = payload(envelope)
    if payment_id(quoted.order_id, "shipping") in app.repository:
        return
    try:
        goods = app.payment(quoted.order_id, "goods")
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
    "OrderItemsReduced": on_refund_due,
    "OrderCancelled": on_refund_due,
    "ShippingQuoted": on_shipping_quoted,
}
TIMERS: dict[str, Any] = {"settlement-overdue": on_settlement_due}
