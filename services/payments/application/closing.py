"""Closing an order's money when the order ends unpaid or is cancelled (O5, P5, P6): every payment of
the order (and its deposit debits) is closed once, keeps the cancellation fee and gives the rest back
to the original method; a second cancellation message changes nothing. Money that still arrives for a
closed order (a capture racing the cancellation, a voucher, a transfer) goes back as it arrives; so
does what a transfer brings beyond what is asked (P2). Each function changes aggregates and returns
them; the caller saves or collects them."""

from __future__ import annotations

import logging
import uuid

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate

from services.payments.application.refunds import RefundingPort, refund_payment
from services.payments.domain import Payment, payment_id
from services.payments.domain.refunds import transfer_refund_ref
from services.payments.domain.values import PURPOSES

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]
BEYOND = "paid beyond what is asked (P2)"


def close_order(app: RefundingPort, order_id: str, fee_minor: int, reason: str, key: str, pe: PE) -> list[Aggregate]:
    """Close the order's payments and deposit debits (O5): the goods (or sample fee) keep `fee_minor`,
    everything else goes back (P6). Once per order: a payment or deposit order closed before is left."""
    at = app.clock.now()
    changed: list[Aggregate] = []
    for purpose in PURPOSES:
        payment = app.payment_by_id(payment_id(order_id, purpose), pe)
        kept = 0 if purpose == "shipping" else fee_minor
        if payment is None or not payment.close(reason, kept, at):
            continue
        if payment.method == "bank_transfer" and payment.vouchers and payment.settled_at is None:
            owed = payment.to_give_back  # promised by the voucher, not arrived: owed back as it arrives (P2)
            if owed > 0:
                payment.defer_refund(owed, reason, key, at)
        _give_back_arrived(app, payment, reason, key, pe)
        changed.append(payment)
    payer = app.deposit_order(order_id, pe)
    if payer is None or not payer.close(reason, fee_minor, at):
        return changed
    account = app.deposit(payer.customer_id, payer.currency, pe)
    refunded = False
    for purpose in PURPOSES:
        kept = 0 if purpose == "shipping" else fee_minor
        back = account.refundable_for(order_id, purpose) - kept
        if back > 0:
            refunded |= account.refund(order_id, back, reason, f"{key}:{purpose}", at, purpose)
    return [*changed, payer, *([account] if refunded else [])]


def give_back_after_close(app: RefundingPort, payment: Payment, key: str, pe: PE) -> bool:
    """Money arrived for an order already cancelled (a capture racing the cancellation, a transfer): it
    goes back at once, all but the fee the payment keeps (O5, P6)."""
    if payment.closed is None:
        return False
    log.info("money arrived after the order was cancelled", extra={"order_id": payment.order_id, "key": key})
    return _give_back_arrived(app, payment, payment.closed.reason, key, pe)


def give_back_settled(app: RefundingPort, payment: Payment, beyond_minor: int, reference: str, pe: PE) -> bool:
    """A settlement arrived (P2): refunds owed while the transfer had not settled go back once it is,
    and so does what it brought beyond what is asked; for a cancelled order, all but the fee (O5)."""
    if payment.closed is not None:
        return give_back_after_close(app, payment, f"after-close:{reference}", pe)
    changed = payment.pay_deferred_refunds(app.clock.now())
    if beyond_minor > 0:
        changed |= bool(refund_payment(app, payment, beyond_minor, BEYOND, f"beyond:{reference}", pe))
    return changed


def _give_back_arrived(app: RefundingPort, payment: Payment, reason: str, key: str, pe: PE) -> bool:
    """Give back what has arrived of a closed payment beyond the fee it keeps, now, to the original method."""
    back = payment.arrived_to_give_back
    if back <= 0:
        return False
    if payment.method == "bank_transfer":
        return payment.record_refund(back, reason, transfer_refund_ref(key), app.clock.now())
    return bool(refund_payment(app, payment, back, reason, key, pe))
