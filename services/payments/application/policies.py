"""How payments reacts to orders, shipping and tickets: open payments and draw fraud checks (every
method, P5), debit deposits, ask for a reduced or changed total or refund shortfalls and changes (I3,
O7, P6), close a cancelled order's money once (O5), ask for the shipping cost (P7), answer after-sale
tickets' refund requests once each (T5, P6); and its durable timers (an unsettled transfer, P2; the
next attempt of a refund owed through the provider, P6). The refunds themselves live in `refunds`,
`closing` and `owed`, which the application's use cases (a capture, a settlement, a review) use too.
Everything here sees the application only through `PaymentsPort`, and this module never imports `app`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from eventsourcing.application import ProcessingEvent

from services.payments.adapters import inbound
from services.payments.application.closing import close_order
from services.payments.application.owed import REFUND_RETRY, on_refund_retry
from services.payments.application.refunds import RefundingPort, held_for_goods, refund_for_ticket, refund_order
from services.payments.domain import (
    DepositAccount,
    DepositOrder,
    FraudCheck,
    Payment,
    PaymentConflict,
    PaymentNotFound,
    TicketRefund,
)
from shared.events import Envelope
from shared.runtime.privacy.forget import on_customer_forgotten
from shared.runtime.store import Handler
from shared.runtime.timers import Timer, TimerHandler

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]
SETTLEMENT_OVERDUE = "settlement-overdue"


class PaymentsPort(RefundingPort, Protocol):
    """What the handlers need of the payments application (besides what refunds need). Inside a consumer
    batch they pass its processing event `pe`: an aggregate changed by an earlier message of the batch
    is found there."""

    @property
    def fraud_share(self) -> float: ...

    @property
    def settlement_days(self) -> int: ...

    @property
    def rng(self) -> Callable[[], float]: ...

    def payment(self, order_id: str, purpose: str, pe: PE | None = None) -> Payment: ...

    def has_payment(self, order_id: str, purpose: str, pe: PE) -> bool: ...

    def ticket_refund(self, refund_id: str, pe: PE | None = None) -> TicketRefund | None: ...


def on_order_placed(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """Open the order's payment, or pay it from the deposit (P3), recording whose deposit pays the order
    (its shipping too, P7); and draw its fraud check, whatever the method (P5: recorded, never re-rolled)."""
    order = inbound.order_placed(envelope)
    if order.method is None:
        return
    purpose = "sample_fee" if order.sample else "goods"
    if app.has_payment(order.order_id, purpose, pe) or app.deposit_order(order.order_id, pe) is not None:
        return
    at = app.clock.now()
    pe.collect_events(FraudCheck.draw(order.order_id, app.fraud_share, app.rng(), at))
    if order.method == "deposit":
        pe.collect_events(DepositOrder.register(order.order_id, order.customer_id, order.currency, at))
        account = app.deposit(order.customer_id, order.currency, pe)
        _pay_from_deposit(account, order.order_id, purpose, order.amount_minor, at, pe)
        return
    pe.collect_events(
        Payment.request(
            order.order_id, purpose, order.amount_minor, order.currency, order.method, order.customer_id, at
        )
    )


def on_items_reduced(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """OrderItemsReduced (I3, O7): refund what was paid for the missing items; if nothing was paid
    yet, ask for the new total instead (a card is charged for what is there, a deposit debited), or
    for nothing when nothing could be reserved (I3: a capture is then refused)."""
    reduced = inbound.order_reduced(envelope)
    if reduced.refund_minor > 0:
        on_refund_due(app, envelope, pe)
        return
    at = app.clock.now()
    payment = app.order_payment(reduced.order_id, pe)
    if payment is not None:
        try:
            if payment.amend_amount(reduced.new_total_minor, reduced.reason, at):
                pe.collect_events(payment)
        except PaymentConflict:  # paid meanwhile: orders owes the excess back (OrderRefundDue)
            log.info("paid before the reduction arrived", extra={"order_id": reduced.order_id})
        return
    if reduced.new_total_minor <= 0:
        log.info("nothing left to pay for", extra={"order_id": reduced.order_id})
        return
    account = app.deposit(reduced.customer_id, reduced.currency, pe)
    for purpose in ("goods", "sample_fee"):
        if account.awaiting(reduced.order_id, purpose) is not None:  # a deposit order still waiting for money
            _pay_from_deposit(account, reduced.order_id, purpose, reduced.new_total_minor, at, pe)


def on_order_changed(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """OrderChanged (O7): what a decrease gives back goes to the original method (P6); the payment then
    asks for the new total, or for what an increase adds (a deposit order is debited it when covered,
    else it waits for a top-up). OrderChanged events that do not say the total before change nothing."""
    changed = inbound.order_changed(envelope)
    if changed.previous_total_minor is None:
        return
    if changed.refund_minor > 0:
        amount, reason = changed.refund_minor, changed.reason
        pe.collect_events(*refund_order(app, changed.order_id, changed.customer_id, amount, reason, changed.key, pe))
    at, previous, new = app.clock.now(), changed.previous_total_minor, changed.new_total_minor
    payment = app.order_payment(changed.order_id, pe)
    if payment is not None:
        if payment.change_amount(previous, new, changed.refund_minor, changed.reason, at):
            pe.collect_events(payment)
        return
    payer = app.deposit_order(changed.order_id, pe)
    if payer is None or new <= previous:
        return
    account = app.deposit(payer.customer_id, payer.currency, pe)
    for purpose in ("goods", "sample_fee"):
        debited = account.debited_for(changed.order_id, purpose)
        if debited or account.awaiting(changed.order_id, purpose) is not None:
            total = debited + new - previous + changed.refund_minor if debited else new
            _pay_from_deposit(account, changed.order_id, purpose, total, at, pe)


def on_refund_due(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """OrderItemsReduced (shortage, I3), OrderRefundDue (an overpayment): refund to the original method."""
    due = inbound.refund_due(envelope)
    amount = due.amount_minor
    if due.total_minor is not None:  # an overpayment: payments may have given back the excess already (P2)
        amount = min(amount, held_for_goods(app, due.order_id, due.customer_id, pe) - due.total_minor)
    if amount <= 0:
        return
    changed = refund_order(app, due.order_id, due.customer_id, amount, due.reason, due.key, pe)
    pe.collect_events(*changed)


def on_order_closed(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """OrderCancelled (O5): the order's money is closed once - its payments keep the fee, give the rest
    back to the original method (what payments holds, whatever orders knew of when it cancelled: a
    capture racing the cancellation goes back too), and take nothing more. A second cancellation
    message for the same order changes nothing."""
    closed = inbound.order_closed(envelope)
    pe.collect_events(*close_order(app, closed.order_id, closed.fee_minor, closed.reason, closed.key, pe))


def on_shipping_quoted(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """The shipping cost is a second payment, by the method and payer of the goods (or sample fee) (P7):
    a card, PayPal or bank transfer payment for the customer to make; or a debit from the deposit that
    paid the goods, made at once when the balance covers it, else awaited until a top-up (P3)."""
    quoted = inbound.shipping_quoted(envelope)
    if app.has_payment(quoted.order_id, "shipping", pe):
        return
    at = app.clock.now()
    first = app.order_payment(quoted.order_id, pe)
    if first is not None:
        pe.collect_events(
            Payment.request(
                quoted.order_id, "shipping", quoted.amount_minor, quoted.currency, first.method, first.customer_id, at
            )
        )
        return
    by_deposit = app.deposit_order(quoted.order_id, pe)
    if by_deposit is None:  # dead-lettered: ops may retry it once the order's payment is known
        raise PaymentNotFound(
            f"order {quoted.order_id} has no payment whose method and payer its shipping follows",
            field="order_id",
            rule="P7",
        )
    account = app.deposit(by_deposit.customer_id, by_deposit.currency, pe)
    _pay_from_deposit(account, quoted.order_id, "shipping", quoted.amount_minor, at, pe)


def on_ticket_refund_requested(app: PaymentsPort, envelope: Envelope, pe: PE) -> None:
    """TicketRefundRequested (T5): refund to the original method (P6), once per refund id - a redelivery
    or a second request with the same id changes nothing - capped by what was paid for that purpose and
    not yet refunded; published as RefundIssued naming the refund id, or RefundRefused if nothing is left."""
    asked = inbound.ticket_refund(envelope)
    if app.ticket_refund(asked.refund_id, pe) is not None:
        return
    request = TicketRefund.receive(
        asked.refund_id,
        asked.ticket_id,
        asked.order_id,
        asked.purpose,
        asked.amount_minor,
        asked.currency,
        asked.reason,
        app.clock.now(),
    )
    changed = refund_for_ticket(app, request, asked.customer_id, pe)
    pe.collect_events(request, *changed)


def on_settlement_due(app: PaymentsPort, timer: Timer, pe: PE) -> None:
    """P2: a voucher's transfer that has not settled in time is flagged for the account manager."""
    payment = app.payment_by_id(uuid.UUID(timer.target), pe)
    now = app.clock.now()
    if payment is not None and payment.settlement_overdue(now, app.settlement_days):
        payment.flag_settlement_overdue(now, app.settlement_days)
        pe.collect_events(payment)


def _pay_from_deposit(
    account: DepositAccount, order_id: str, purpose: str, amount_minor: int, at: datetime, pe: PE
) -> None:
    """Debit the order (P3), or record that the balance does not cover it (published as PaymentFailed)."""
    if account.pay_or_refuse(order_id, purpose, amount_minor, at):
        pe.collect_events(account)
    if account.awaiting(order_id, purpose) is not None:  # the customer may top up and pay from it
        log.warning("deposit does not cover the order", extra={"order_id": order_id, "purpose": purpose})


POLICIES: dict[str, Handler] = {
    "OrderPlaced": on_order_placed,
    "OrderItemsReduced": on_items_reduced,
    "OrderChanged": on_order_changed,
    "OrderCancelled": on_order_closed,
    "OrderExpired": on_order_closed,
    "OrderRefundDue": on_refund_due,
    "ShippingQuoted": on_shipping_quoted,
    "TicketRefundRequested": on_ticket_refund_requested,
    "CustomerForgotten": on_customer_forgotten,  # X4: destroy payments' keys of the customer
}
TIMERS: dict[str, TimerHandler] = {SETTLEMENT_OVERDUE: on_settlement_due, REFUND_RETRY: on_refund_retry}
