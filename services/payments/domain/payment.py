"""The Payment aggregate: one per order and purpose. It decides (each command checks the rules of its
concept, then triggers an event); each event, beside those rules, says how it changes the payment:
`captures` (P1, P4), `refunds` (P6; a lower amount asked before money came in, I3), `transfer` (P2),
`confirmation` (P5). Bound in the body, the events keep their stored names (`...payment:Payment.X`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain import captures, confirmation, refunds, transfer, values
from services.payments.domain.transfer import MAX_VOUCHER_BYTES, SETTLEMENT_DAYS
from services.payments.domain.values import CaptureOutcome, DeferredRefund, DueRefund, Refund, Voucher

if TYPE_CHECKING:
    from services.payments.domain.state import PaymentState

PAYMENT_NAMESPACE = uuid.UUID("3b8f6d2e-91c4-4a7e-b5d0-6e2f1a9c8b47")


def payment_id(order_id: str, purpose: str) -> uuid.UUID:
    """The payment's id follows from the order and the purpose (one payment each)."""
    return uuid.uuid5(PAYMENT_NAMESPACE, f"{order_id}:{purpose}")


class Payment(Aggregate):
    """The money for one purpose (goods, shipping, sample_fee) of one order."""

    Requested: ClassVar[type[Any]]
    CaptureRecorded = captures.CaptureRecorded
    CaptureDeclined = captures.CaptureDeclined
    DuplicateChargeDetected = captures.DuplicateChargeDetected
    RefundRecorded = refunds.RefundRecorded
    RefundDeferred = refunds.RefundDeferred
    AmountAmended = refunds.AmountAmended
    VoucherReceived = transfer.VoucherReceived
    Settled = transfer.Settled
    SettlementOverdueFlagged = transfer.SettlementOverdueFlagged
    ConfirmationReleased = confirmation.ConfirmationReleased

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
        self.settled_minor = 0
        self.settled_at: datetime | None = None
        self.overdue_flagged_at: datetime | None = None
        self.released_at: datetime | None = None

    @staticmethod
    def create_id(order_id: str, purpose: str, **_: Any) -> uuid.UUID:
        return payment_id(order_id, purpose)

    @property
    def captures(self) -> list[CaptureOutcome]:
        return captures.captured(self.attempts)

    @property
    def captured_minor(self) -> int:
        return sum(c.amount_minor for c in self.captures)

    @property
    def paid_minor(self) -> int:
        return self.captured_minor + self.settled_minor

    @property
    def refunded_minor(self) -> int:
        return sum(r.amount_minor for r in self.refunds)

    @property
    def refundable_minor(self) -> int:
        return self.paid_minor - self.refunded_minor

    @property
    def confirms_order(self) -> bool:
        """Captured, voucher received or settled: enough to confirm the order (O4, P2), fraud check aside (P5)."""
        return bool(self.captures) or bool(self.vouchers) or self.settled_at is not None

    def outcome_for(self, idempotency_key: str) -> CaptureOutcome | None:
        """The first recorded outcome for this idempotency key, if any (P4: a retry reuses it)."""
        return self.attempts.get(idempotency_key)

    def check_chargeable(self) -> None:
        """Raise unless the provider may be asked to charge this payment now (P2, P4)."""
        captures.check_chargeable(self.method, self.captures, self.order_id, self.purpose)

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
        if first is not None:
            self.trigger_event(self.DuplicateChargeDetected, first_idempotency_key=first.idempotency_key, **recorded)
        return self.attempts[idempotency_key]

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

    def duplicates_to_refund(self) -> list[tuple[str, int]]:
        """(provider_ref, amount_minor) of each duplicate capture not yet refunded in full (P4)."""
        return refunds.duplicates_left(self.captures, self.refunds)

    def check_refund(self, amount_minor: int, capture_ref: str | None = None) -> None:
        """Raise unless refunding `amount_minor` keeps total refunds within what was paid (P6)."""
        refunds.check_refund(amount_minor, capture_ref, self.captures, self.refunds, self.paid_minor, self.currency)

    def refund_plan(self, amount_minor: int) -> list[tuple[str, int]]:
        """How up to `amount_minor` goes back through the provider: (capture's provider_ref, part) (P6)."""
        return refunds.split_over(self.captures, self.refunds, min(amount_minor, self.refundable_minor))

    def record_refund(
        self,
        amount_minor: int,
        reason: str,
        provider_ref: str,
        at: datetime,
        capture_ref: str | None = None,
        request_ref: str | None = None,
    ) -> bool:
        """Record a refund to the original method (P6), naming the requester's reference if it gave one;
        a provider_ref already recorded changes nothing."""
        if any(r.provider_ref == provider_ref for r in self.refunds):
            return False
        values.check_text(reason, field="reason", rule="P6")
        values.check_text(provider_ref, field="provider_ref", rule="P6")
        self.check_refund(amount_minor, capture_ref)
        refund = Refund(amount_minor, reason, provider_ref, capture_ref)
        self.trigger_event(self.RefundRecorded, at=at, request_ref=request_ref, **asdict(refund))
        return True

    def amend_amount(self, amount_minor: int, reason: str, at: datetime) -> bool:
        """The order was reduced before anything was paid: ask for the new amount instead (I3); once."""
        if amount_minor == self.amount_minor:
            return False
        refunds.check_amendable(amount_minor, reason, money_in=bool(self.paid_minor or self.vouchers))
        previous = self.amount_minor
        self.trigger_event(self.AmountAmended, amount_minor=amount_minor, previous_minor=previous, reason=reason, at=at)
        return True

    @property
    def left_to_refund(self) -> int:
        """What can still go back (P6): paid less refunded; on a transfer confirmed by its voucher and not
        settled, what the voucher confirms less what is already owed back (P2)."""
        unsettled = self.settled_at is None and self.vouchers
        return self.amount_minor - sum(d.amount_minor for d in self.deferred) if unsettled else self.refundable_minor

    def refund_by_transfer(
        self, amount_minor: int, reason: str, key: str, at: datetime, request_ref: str | None = None
    ) -> int:
        """Give back by bank transfer (P6): now, up to what arrived, or when a transfer confirmed on a
        voucher settles (P2). Returns the amount refunded or owed; the same key gives back once."""
        if self.settled_at is None and self.vouchers:
            self.defer_refund(amount_minor, reason, key, at, request_ref)
            return amount_minor
        amount_minor = min(amount_minor, self.refundable_minor)
        if amount_minor > 0:
            self.record_refund(amount_minor, reason, refunds.transfer_refund_ref(key), at, request_ref=request_ref)
        return max(amount_minor, 0)

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

    def deferred_refunds_due(self) -> list[DueRefund]:
        """(amount, reason, refund reference) of each deferred refund not yet paid, capped by what is refundable."""
        return refunds.deferred_due(self.deferred, self.refunds, self.refundable_minor)

    def pay_deferred_refunds(self, at: datetime) -> bool:
        """Send back by transfer what was owed while the money had not arrived (P2, P6)."""
        due = self.deferred_refunds_due()
        for amount_minor, reason, reference, request_ref in due:
            self.record_refund(amount_minor, reason, reference, at, request_ref=request_ref)
        return bool(due)

    def receive_voucher(
        self, file_ref: str, size: int, content_type: str, at: datetime, max_bytes: int = MAX_VOUCHER_BYTES
    ) -> bool:
        """Record a payment voucher for a bank transfer (P2); the same file_ref twice changes nothing."""
        if any(v.file_ref == file_ref for v in self.vouchers):
            return False
        transfer.check_voucher(self.method, file_ref, size, content_type, max_bytes)
        self.trigger_event(self.VoucherReceived, file_ref=file_ref, size=size, content_type=content_type, at=at)
        return True

    def settle(self, amount_minor: int, at: datetime) -> bool:
        """Record that a bank transfer arrived (P2); a second settlement changes nothing."""
        if self.settled_at is not None:
            return False
        transfer.check_settlement(self.method, amount_minor)
        self.trigger_event(self.Settled, amount_minor=amount_minor, at=at)
        return True

    def settlement_deadline(self, days: int = SETTLEMENT_DAYS) -> datetime | None:
        """When an unsettled transfer becomes overdue: `days` after the first voucher (P2)."""
        return transfer.settlement_deadline(self.vouchers, days)

    def settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> bool:
        """True if the transfer is unsettled past its deadline and not yet flagged (P2)."""
        return transfer.overdue(self.settlement_deadline(days), self.settled_at, self.overdue_flagged_at, now)

    def flag_settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> None:
        """Flag an overdue transfer for the account manager (P2); raise if it is not overdue."""
        deadline = transfer.check_overdue(self.settlement_deadline(days), self.settled_at, self.overdue_flagged_at, now)
        self.trigger_event(self.SettlementOverdueFlagged, due_at=deadline, at=now)

    def release_confirmation(self, at: datetime, cleared: bool = True) -> bool:
        """Announce once that this payment confirms the order, after any fraud check (P2, P4, P5)."""
        if not confirmation.may_release(self.purpose, self.released_at, self.confirms_order, cleared):
            return False
        amount, by = (self.captures[0].amount_minor, "capture") if self.captures else (self.amount_minor, "voucher")
        self.trigger_event(self.ConfirmationReleased, amount_minor=amount, by=by, at=at)
        return True


if TYPE_CHECKING:
    _events_apply_to_payments: type[PaymentState] = Payment
