"""The Payment aggregate: one per order and purpose. Its rules live beside it, one module per concept:
captures (`capture`, P1 P4), refunds (`refunds`, P6), bank transfers (`transfer`, P2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain import captures, refunds, transfer
from services.payments.domain.captures import CaptureOutcome
from services.payments.domain.errors import PaymentConflict
from services.payments.domain.money import check_amount
from services.payments.domain.refunds import DeferredRefund, DueRefund, Refund
from services.payments.domain.transfer import MAX_VOUCHER_BYTES, SETTLEMENT_DAYS, Voucher
from services.payments.domain.values import check_request, check_text

PAYMENT_NAMESPACE = uuid.UUID("3b8f6d2e-91c4-4a7e-b5d0-6e2f1a9c8b47")


def payment_id(order_id: str, purpose: str) -> uuid.UUID:
    """The payment's id follows from the order and the purpose (one payment each)."""
    return uuid.uuid5(PAYMENT_NAMESPACE, f"{order_id}:{purpose}")


class Payment(Aggregate):
    """The money for one purpose (goods, shipping, sample_fee) of one order."""

    Requested: ClassVar[type[Any]]
    CaptureRecorded: ClassVar[type[Any]]
    CaptureDeclined: ClassVar[type[Any]]
    DuplicateChargeDetected: ClassVar[type[Any]]
    RefundRecorded: ClassVar[type[Any]]
    VoucherReceived: ClassVar[type[Any]]
    Settled: ClassVar[type[Any]]
    SettlementOverdueFlagged: ClassVar[type[Any]]
    ConfirmationReleased: ClassVar[type[Any]]
    RefundDeferred: ClassVar[type[Any]]
    AmountAmended: ClassVar[type[Any]]

    @classmethod
    def request(
        cls, order_id: str, purpose: str, amount_minor: int, currency: str, method: str, customer_id: str, at: datetime
    ) -> Payment:
        """Open a payment after checking its request (P1, P7); raise InvalidPayment naming the field."""
        check_request(order_id, purpose, amount_minor, currency, method, customer_id)
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

    # --- what the history says ----------------------------------------------------------------
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

    # --- capture (card, PayPal: P1, P4) ---------------------------------------------------------
    def outcome_for(self, idempotency_key: str) -> CaptureOutcome | None:
        """The first recorded outcome for this idempotency key, if any (P4: a retry reuses it)."""
        return self.attempts.get(idempotency_key)

    def check_chargeable(self) -> None:
        """Raise unless the provider may be asked to charge this payment now (P2, P4)."""
        captures.check_charged_method(self.method)
        if self.captures:
            raise PaymentConflict(f"order {self.order_id}'s {self.purpose} is already paid", field="purpose", rule="P4")

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
        self._record_capture(idempotency_key, provider_ref, amount_minor, network, last4, at)
        if first is not None:
            self._detect_duplicate(idempotency_key, provider_ref, amount_minor, first.idempotency_key, at)
        return self.attempts[idempotency_key]

    def decline(
        self, idempotency_key: str, reason: str, network: str | None, last4: str | None, at: datetime
    ) -> CaptureOutcome:
        """Record a declined attempt; a key seen before returns its first outcome, recording nothing (P4)."""
        seen = self.outcome_for(idempotency_key)
        if seen is not None:
            return seen
        check_text(idempotency_key, field="idempotency_key", rule="P4")
        self._record_decline(idempotency_key, reason, network, last4, at)
        return self.attempts[idempotency_key]

    def duplicates_to_refund(self) -> list[tuple[str, int]]:
        """(provider_ref, amount_minor) of each duplicate capture not yet refunded in full (P4)."""
        return refunds.duplicates_left(self.captures, self.refunds)

    @event("CaptureRecorded")
    def _record_capture(
        self,
        idempotency_key: str,
        provider_ref: str,
        amount_minor: int,
        network: str | None,
        last4: str | None,
        at: datetime,
    ) -> None:
        duplicate = bool(self.captures)
        self.attempts[idempotency_key] = CaptureOutcome(
            "captured", idempotency_key, provider_ref, amount_minor, network, last4, None, duplicate
        )

    @event("DuplicateChargeDetected")
    def _detect_duplicate(
        self, idempotency_key: str, provider_ref: str, amount_minor: int, first_idempotency_key: str, at: datetime
    ) -> None:
        pass

    @event("CaptureDeclined")
    def _record_decline(
        self, idempotency_key: str, reason: str, network: str | None, last4: str | None, at: datetime
    ) -> None:
        self.attempts[idempotency_key] = CaptureOutcome(
            "declined", idempotency_key, None, self.amount_minor, network, last4, reason
        )

    # --- refunds (P6) ---------------------------------------------------------------------------
    def check_refund(self, amount_minor: int, capture_ref: str | None = None) -> None:
        """Raise unless refunding `amount_minor` keeps total refunds within what was paid (P6)."""
        check_amount(amount_minor, rule="P6")
        limit = self.refundable_minor
        if capture_ref is not None:
            limit = min(limit, refunds.left_on(captures.find_capture(self.captures, capture_ref), self.refunds))
        refunds.check_within(
            amount_minor, limit, paid_minor=self.paid_minor, refunded_minor=self.refunded_minor, currency=self.currency
        )

    def refund_plan(self, amount_minor: int) -> list[tuple[str, int]]:
        """How up to `amount_minor` goes back through the provider: (capture's provider_ref, part) (P6)."""
        return refunds.split_over(self.captures, self.refunds, min(amount_minor, self.refundable_minor))

    def record_refund(
        self, amount_minor: int, reason: str, provider_ref: str, at: datetime, capture_ref: str | None = None
    ) -> bool:
        """Record a refund to the original method (P6); a provider_ref already recorded changes nothing."""
        if any(r.provider_ref == provider_ref for r in self.refunds):
            return False
        check_text(reason, field="reason", rule="P6")
        check_text(provider_ref, field="provider_ref", rule="P6")
        self.check_refund(amount_minor, capture_ref)
        self._record_refund(amount_minor, reason, provider_ref, capture_ref, at)
        return True

    @event("RefundRecorded")
    def _record_refund(
        self, amount_minor: int, reason: str, provider_ref: str, capture_ref: str | None, at: datetime
    ) -> None:
        self.refunds.append(Refund(amount_minor, reason, provider_ref, capture_ref))

    def amend_amount(self, amount_minor: int, reason: str, at: datetime) -> bool:
        """The order was reduced (I3) before anything was paid: ask for the new amount instead.
        The same amount again changes nothing; once money has come in, the excess is refunded instead."""
        if amount_minor == self.amount_minor:
            return False
        check_amount(amount_minor, rule="I3")
        check_text(reason, field="reason", rule="I3")
        if self.paid_minor or self.vouchers:
            raise PaymentConflict(
                "money has already come in for this payment: the excess is refunded, not re-asked",
                field="amount",
                rule="P6",
            )
        self._amend_amount(amount_minor, self.amount_minor, reason, at)
        return True

    @event("AmountAmended")
    def _amend_amount(self, amount_minor: int, previous_minor: int, reason: str, at: datetime) -> None:
        self.amount_minor = amount_minor

    def refund_by_transfer(self, amount_minor: int, reason: str, key: str, at: datetime) -> int:
        """Give back by bank transfer (P6): now, up to what has arrived; or, if the order was confirmed
        on a voucher and the money is not here yet, when the transfer settles (P2). Returns the amount
        refunded or owed; the same key twice gives back once."""
        if self.settled_at is None and self.vouchers:
            self.defer_refund(amount_minor, reason, key, at)
            return amount_minor
        amount_minor = min(amount_minor, self.refundable_minor)
        if amount_minor <= 0:
            return 0
        self.record_refund(amount_minor, reason, refunds.transfer_refund_ref(key), at)
        return amount_minor

    def defer_refund(self, amount_minor: int, reason: str, key: str, at: datetime) -> bool:
        """A refund is owed on money that has not arrived yet (a voucher, no settlement): it is kept
        and paid when the transfer settles (P2, P6); a key already deferred changes nothing."""
        if any(d.key == key for d in self.deferred):
            return False
        check_amount(amount_minor, rule="P6")
        check_text(reason, field="reason", rule="P6")
        if self.method != "bank_transfer" or self.settled_at is not None:
            raise PaymentConflict("only an unsettled bank transfer defers a refund", field="method", rule="P6")
        refunds.check_deferrable(amount_minor, self.deferred, self.amount_minor, self.currency)
        self._defer_refund(amount_minor, reason, key, at)
        return True

    @event("RefundDeferred")
    def _defer_refund(self, amount_minor: int, reason: str, key: str, at: datetime) -> None:
        self.deferred.append(DeferredRefund(amount_minor, reason, key, at))

    def deferred_refunds_due(self) -> list[DueRefund]:
        """(amount, reason, refund reference) of each deferred refund not yet paid, capped by what is refundable."""
        return refunds.deferred_due(self.deferred, self.refunds, self.refundable_minor)

    def pay_deferred_refunds(self, at: datetime) -> bool:
        """Send back by transfer what was owed while the money had not arrived (P2, P6)."""
        due = self.deferred_refunds_due()
        for amount_minor, reason, reference in due:
            self.record_refund(amount_minor, reason, reference, at)
        return bool(due)

    # --- bank transfer: voucher, settlement, overdue (P2) -----------------------------------------
    def receive_voucher(
        self, file_ref: str, size: int, content_type: str, at: datetime, max_bytes: int = MAX_VOUCHER_BYTES
    ) -> bool:
        """Record a payment voucher for a bank transfer (P2); the same file_ref twice changes nothing."""
        if any(v.file_ref == file_ref for v in self.vouchers):
            return False
        transfer.check_voucher(self.method, file_ref, size, content_type, max_bytes)
        self._receive_voucher(file_ref, size, content_type, at)
        return True

    @event("VoucherReceived")
    def _receive_voucher(self, file_ref: str, size: int, content_type: str, at: datetime) -> None:
        self.vouchers.append(Voucher(file_ref, size, content_type, at))

    def settle(self, amount_minor: int, at: datetime) -> bool:
        """Record that a bank transfer arrived (P2); a second settlement changes nothing."""
        if self.settled_at is not None:
            return False
        transfer.check_settleable(self.method)
        check_amount(amount_minor, rule="P2")
        self._settle(amount_minor, at)
        return True

    @event("Settled")
    def _settle(self, amount_minor: int, at: datetime) -> None:
        self.settled_minor = amount_minor
        self.settled_at = at

    def settlement_deadline(self, days: int = SETTLEMENT_DAYS) -> datetime | None:
        """When an unsettled transfer becomes overdue: `days` after the first voucher (P2)."""
        return transfer.settlement_deadline(self.vouchers, days)

    def settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> bool:
        """True if the transfer is unsettled past its deadline and not yet flagged (P2)."""
        deadline = self.settlement_deadline(days)
        unsettled = self.settled_at is None and self.overdue_flagged_at is None
        return deadline is not None and unsettled and now >= deadline

    def flag_settlement_overdue(self, now: datetime, days: int = SETTLEMENT_DAYS) -> None:
        """Flag an overdue transfer for the account manager (P2); raise if it is not overdue."""
        deadline = self.settlement_deadline(days)
        if deadline is None or not self.settlement_overdue(now, days):
            raise PaymentConflict(f"settlement is not overdue at {now.isoformat()}", field="settled_at", rule="P2")
        self._flag_overdue(deadline, now)

    @event("SettlementOverdueFlagged")
    def _flag_overdue(self, due_at: datetime, at: datetime) -> None:
        self.overdue_flagged_at = at

    # --- telling orders (once, after any fraud review) ------------------------------------------
    def release_confirmation(self, at: datetime, cleared: bool = True) -> bool:
        """Announce that this payment confirms the order (P2, P4, P5): once, when it does, and for the
        goods or a sample fee only once the fraud check cleared the order (shipping is never held)."""
        if self.released_at is not None or not self.confirms_order:
            return False
        if not cleared and self.purpose != "shipping":
            return False
        amount = self.captures[0].amount_minor if self.captures else self.amount_minor
        self._release(amount_minor=amount, by="capture" if self.captures else "voucher", at=at)
        return True

    @event("ConfirmationReleased")
    def _release(self, amount_minor: int, by: str, at: datetime) -> None:
        self.released_at = at
