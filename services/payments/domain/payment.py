"""The Payment aggregate: one per order and purpose. It decides (each command checks the rules of its
concept, then triggers an event); each event, beside those rules, says how it changes the payment:
`captures` (P1, P4), `refunds` (P6; the amount asked changed, I3, O7), `pending` (refunds owed through
the provider, P6), `transfer` (P2), `confirmation` (what orders is told), `closure` (the order was
cancelled, O5). Bound in the body, the events keep their stored names (`...payment:Payment.X`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain import captures, closure, confirmation, pending, refunds, transfer, values
from services.payments.domain.errors import PaymentConflict
from services.payments.domain.figures import PaymentFigures
from services.payments.domain.money import MAX_AMOUNT_MINOR
from services.payments.domain.transfer import MAX_VOUCHER_BYTES, SETTLEMENT_DAYS
from services.payments.domain.values import (
    CaptureOutcome,
    Closure,
    DeferredRefund,
    Refund,
    RequestedRefund,
    Voucher,
)

if TYPE_CHECKING:
    from services.payments.domain.state import PaymentState

PAYMENT_NAMESPACE = uuid.UUID("3b8f6d2e-91c4-4a7e-b5d0-6e2f1a9c8b47")


def payment_id(order_id: str, purpose: str) -> uuid.UUID:
    """The payment's id follows from the order and the purpose (one payment each)."""
    return uuid.uuid5(PAYMENT_NAMESPACE, f"{order_id}:{purpose}")


class Payment(PaymentFigures, Aggregate):
    """The money for one purpose (goods, shipping, sample_fee) of one order."""

    Requested: ClassVar[type[Any]]
    CaptureRecorded = captures.CaptureRecorded
    CaptureDeclined = captures.CaptureDeclined
    DuplicateChargeDetected = captures.DuplicateChargeDetected
    RefundRecorded = refunds.RefundRecorded
    RefundDeferred = refunds.RefundDeferred
    AmountAmended = refunds.AmountAmended
    RefundRequested = pending.RefundRequested
    RefundAttemptFailed = pending.RefundAttemptFailed
    VoucherReceived = transfer.VoucherReceived
    Settled = transfer.Settled
    SettlementOverdueFlagged = transfer.SettlementOverdueFlagged
    ConfirmationReleased = confirmation.ConfirmationReleased
    OrderClosed = closure.OrderClosed

    @classmethod
    def request(
        cls, order_id: str, purpose: str, amount_minor: int, currency: str, method: str, customer_id: str, at: datetime
    ) -> Payment:
        """Open a payment after checking its request (P1, P7); raise InvalidPayment naming the field."""
        values.check_request(order_id, purpose, amount_minor, currency, method, customer_id)
        return cls(order_id, purpose, amount_minor, currency, method, customer_id, at)

    @event("Requested")
    def __init__(
        self, order_id: str, purpose: str, amount_minor: int, currency: str, method: str, customer_id: str, at: datetime
    ) -> None:
        self.order_id = order_id
        self.purpose = purpose
        self.amount_minor = amount_minor
        self.currency = currency
        self.method = method
        self.customer_id = customer_id
        self.requested_at = at
        self.attempts: dict[str, CaptureOutcome] = {}
        self.refunds: list[Refund] = []
        self.vouchers: list[Voucher] = []
        self.deferred: list[DeferredRefund] = []
        self.settlements: dict[str, int] = {}
        self.settled_minor = 0
        self.settled_at: datetime | None = None
        self.overdue_flagged_at: datetime | None = None
        self.released_at: datetime | None = None
        self.released_minor = 0
        self.vouchered_minor = 0
        self.requested: dict[str, RequestedRefund] = {}
        self.closed: Closure | None = None

    @staticmethod
    def create_id(order_id: str, purpose: str, **_: Any) -> uuid.UUID:
        return payment_id(order_id, purpose)

    # --- captures (P1, P4) ----------------------------------------------------------------------
    def check_chargeable(self) -> None:
        """Raise unless the provider may be asked to charge this payment now (O5, I3, P2, P4)."""
        outstanding = self.outstanding_minor
        captures.check_chargeable(self.method, self.amount_minor, outstanding, self.closed, self.order_id, self.purpose)

    def capture(
        self,
        idempotency_key: str,
        provider_ref: str,
        amount_minor: int,
        network: str | None,
        last4: str | None,
        at: datetime,
    ) -> CaptureOutcome:
        """Record a capture the provider made; a key seen before returns its first outcome, recording nothing (P4)."""
        seen = self.outcome_for(idempotency_key)
        if seen is not None:
            return seen
        captures.check_capture(self.method, idempotency_key, provider_ref, amount_minor)
        first = self.captures[0] if self.captures else None
        recorded = dict(idempotency_key=idempotency_key, provider_ref=provider_ref, amount_minor=amount_minor, at=at)
        self.trigger_event(self.CaptureRecorded, network=network, last4=last4, **recorded)
        outcome = self.attempts[idempotency_key]
        if outcome.duplicate and first is not None:
            self.trigger_event(self.DuplicateChargeDetected, first_idempotency_key=first.idempotency_key, **recorded)
        return outcome

    def decline(
        self, idempotency_key: str, reason: str, network: str | None, last4: str | None, at: datetime
    ) -> CaptureOutcome:
        """Record a declined attempt; a key seen before returns its first outcome, recording nothing (P4)."""
        seen = self.outcome_for(idempotency_key)
        if seen is not None:
            return seen
        values.check_text(idempotency_key, field="idempotency_key", rule="P4")
        self.trigger_event(
            self.CaptureDeclined, idempotency_key=idempotency_key, reason=reason, network=network, last4=last4, at=at
        )
        return self.attempts[idempotency_key]

    # --- refunds (P4, P6) -----------------------------------------------------------------------
    def request_refund(
        self, key: str, amount_minor: int, reason: str, capture_ref: str, at: datetime, request_ref: str | None = None
    ) -> bool:
        """Owe back `amount_minor` of a capture through the provider (P6), under the idempotency key `key`;
        the provider is asked until it refunds. A key owed or refunded before changes nothing."""
        if key in self.requested or any(r.provider_ref == key for r in self.refunds):
            return False
        values.check_text(reason, field="reason", rule="P6")
        self.check_refund(amount_minor, capture_ref)
        owed = dict(key=key, amount_minor=amount_minor, reason=reason, capture_ref=capture_ref, request_ref=request_ref)
        self.trigger_event(self.RefundRequested, at=at, **owed)
        return True

    def refund_failed(self, key: str, reason: str, retry_at: datetime, at: datetime) -> None:
        """The provider did not make the owed refund `key`; it is asked again at `retry_at` (P6)."""
        if key not in self.requested:
            raise PaymentConflict(f"no refund {key!r} is owed on this payment", field="key", rule="P6")
        self.trigger_event(self.RefundAttemptFailed, key=key, reason=reason, retry_at=retry_at, at=at)

    def record_refund(
        self,
        amount_minor: int,
        reason: str,
        provider_ref: str,
        at: datetime,
        capture_ref: str | None = None,
        request_ref: str | None = None,
        request_key: str | None = None,
    ) -> bool:
        """Record a refund to the original method (P6), naming the requester's reference if it gave one and
        the owed refund it pays (`request_key`), if any; a provider_ref already recorded changes nothing."""
        if any(r.provider_ref == provider_ref for r in self.refunds):
            return False
        values.check_text(reason, field="reason", rule="P6")
        values.check_text(provider_ref, field="provider_ref", rule="P6")
        self.check_refund(amount_minor, capture_ref, request_key)
        refund = Refund(amount_minor, reason, provider_ref, capture_ref)
        self.trigger_event(
            self.RefundRecorded, at=at, request_ref=request_ref, request_key=request_key, **asdict(refund)
        )
        return True

    def amend_amount(self, amount_minor: int, reason: str, at: datetime) -> bool:
        """The order was reduced before anything was paid: ask for the new amount instead (I3); once."""
        if amount_minor == self.amount_minor:
            return False
        refunds.check_amendable(amount_minor, reason, money_in=bool(self.paid_minor or self.vouchers))
        return self._amend(amount_minor, reason, at)

    def change_amount(self, previous_total: int, new_total: int, refund_minor: int, reason: str, at: datetime) -> bool:
        """The account manager changed the order (O7): ask for its new total, or what it adds; False if
        the amount asked stays."""
        money_in = bool(self.paid_minor or self.vouchers)
        amount = refunds.changed_amount(self.amount_minor, previous_total, new_total, refund_minor, money_in)
        values.check_text(reason, field="reason", rule="O7")
        return amount != self.amount_minor and self._amend(amount, reason, at)

    def _amend(self, amount_minor: int, reason: str, at: datetime) -> bool:
        previous = self.amount_minor
        self.trigger_event(self.AmountAmended, amount_minor=amount_minor, previous_minor=previous, reason=reason, at=at)
        return True

    # --- bank transfers (P2, P6) ----------------------------------------------------------------
    def refund_by_transfer(
        self, amount_minor: int, reason: str, key: str, at: datetime, request_ref: str | None = None
    ) -> int:
        """Give back by bank transfer (P6): now, up to what arrived, or when a transfer confirmed on a
        voucher settles (P2). Returns the amount refunded or owed; the same key gives back once."""
        if self.settled_at is None and self.vouchers:
            self.defer_refund(amount_minor, reason, key, at, request_ref)
            return amount_minor
        amount_minor = min(amount_minor, self.refundable_minor)
        ref = refunds.transfer_refund_ref(key)
        refunded = amount_minor > 0 and self.record_refund(amount_minor, reason, ref, at, request_ref=request_ref)
        return amount_minor if refunded else 0

    def defer_refund(
        self, amount_minor: int, reason: str, key: str, at: datetime, request_ref: str | None = None
    ) -> bool:
        """Owe back money not arrived yet (a voucher, no settlement): paid when it settles (P2, P6); once per key."""
        if any(d.key == key for d in self.deferred):
            return False
        unsettled = self.method == "bank_transfer" and self.settled_at is None
        refunds.check_deferral(amount_minor, reason, self.deferred, unsettled, self.amount_minor, self.currency)
        self.trigger_event(
            self.RefundDeferred, amount_minor=amount_minor, reason=reason, key=key, at=at, request_ref=request_ref
        )
        return True

    def pay_deferred_refunds(self, at: datetime) -> bool:
        """Send back by transfer what was owed while the money had not arrived (P2, P6), once it settled
        (a cancelled order's money goes back as it arrives instead, O5)."""
        due = self.deferred_refunds_due() if self.settled_at is not None and self.closed is None else []
        for amount_minor, reason, reference, request_ref in due:
            self.record_refund(amount_minor, reason, reference, at, request_ref=request_ref)
        return bool(due)

    def check_takes_voucher(self) -> None:
        """InvalidPayment unless this payment takes a voucher (a bank transfer, P2): asked before the
        upload is even read."""
        transfer.check_takes_voucher(self.method)

    def receive_voucher(
        self,
        file_ref: str,
        size: int,
        content_type: str | None,
        at: datetime,
        max_bytes: int = MAX_VOUCHER_BYTES,
        key: str | None = None,
    ) -> bool:
        """Record a payment voucher for a bank transfer (P2); the same file_ref, or the same idempotency
        `key`, twice changes nothing (False)."""
        if any(v.file_ref == file_ref or (key is not None and v.key == key) for v in self.vouchers):
            return False
        transfer.check_voucher(self.method, file_ref, size, content_type, max_bytes)
        if self.amount_minor == 0 and self.closed is None:
            raise PaymentConflict(
                f"order {self.order_id}'s {self.purpose} costs nothing: nothing to pay", field="purpose", rule="I3"
            )
        self.trigger_event(
            self.VoucherReceived, file_ref=file_ref, size=size, content_type=content_type, at=at, key=key
        )
        return True

    def settle(
        self, amount_minor: int, at: datetime, reference: str | None = None, ceiling: int = MAX_AMOUNT_MINOR
    ) -> bool:
        """Record money of a bank transfer that arrived (P2), once per bank reference (without one, per
        amount); the transfer is settled once what arrived covers what is asked. False if seen before."""
        ref = transfer.settlement_reference(amount_minor, reference)
        if ref in self.settlements:
            return False
        transfer.check_settlement(self.method, amount_minor, ref, ceiling)
        confirms = transfer.newly_confirmed(
            self.settled_minor + amount_minor, self.vouchered_minor, self.released_minor
        )
        covered = self.settled_minor + amount_minor >= self.amount_minor
        self.trigger_event(
            self.Settled, amount_minor=amount_minor, at=at, reference=ref, confirms_minor=confirms, covered=covered
        )
        return True

    def flag_settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> None:
        """Flag an overdue transfer for the account manager (P2); raise if it is not overdue."""
        deadline = transfer.check_overdue(self.settlement_deadline(days), self.settled_at, self.overdue_flagged_at, now)
        self.trigger_event(self.SettlementOverdueFlagged, due_at=deadline, at=now)

    # --- telling orders (O4), closing (O5) ----------------------------------------------------------
    def release_confirmation(self, at: datetime) -> bool:
        """Tell the order what a capture or a voucher added to the money it knows of (P2, P4); the order
        decides whether that confirms it (P5)."""
        amount = confirmation.to_announce(self.covered_minor, self.released_minor)
        if not amount:
            return False
        by = "voucher" if self.method == "bank_transfer" else "capture"
        self.trigger_event(self.ConfirmationReleased, amount_minor=amount, by=by, at=at)
        return True

    def close(self, reason: str, fee_minor: int, at: datetime) -> bool:
        """The order was cancelled or expired (O5): keep `fee_minor`, charge nothing more; once."""
        if self.closed is not None:
            return False
        closure.check_closure(reason, fee_minor)
        self.trigger_event(self.OrderClosed, reason=reason, fee_minor=fee_minor, at=at)
        return True


if TYPE_CHECKING:
    _events_apply_to_payments: type[PaymentState] = Payment
