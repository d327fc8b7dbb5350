"""The payments application: captures, vouchers, deposits, reviews and refunds (P1-P7)."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.payments.adapters.providers import PaymentProvider, ProviderResult
from services.payments.adapters.vouchers import VoucherStore
from services.payments.application import incoming
from services.payments.application.refunds import RefundsMixin
from services.payments.domain import (
    CaptureOutcome,
    DepositAccount,
    FraudCheck,
    InvalidPayment,
    Payment,
    PaymentNotFound,
    deposit_account_id,
    fraud_check_id,
    payment_id,
    validate_card,
)
from shared.runtime.store import HallmarkApplication, Handler
from shared.runtime.timers import TimerHandler

log = logging.getLogger("hallmark.payments")
SETTLEMENT_OVERDUE = "settlement-overdue"
RETRIES = 8


class PaymentsApplication(RefundsMixin, HallmarkApplication):
    service = "payments"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {DepositAccount: 100}  # grows with the customer
    provider: PaymentProvider | None = None
    vouchers = VoucherStore("")
    fraud_share = 0.05
    settlement_days = 10
    rng: Callable[[], float] = staticmethod(random.random)

    # --- queries --------------------------------------------------------------------------------
    # Inside a consumer batch, pass its processing event `pe`: an aggregate created or changed by an
    # earlier message of the same batch is found there, not (yet) in the store.
    def payment(self, order_id: str, purpose: str, pe: ProcessingEvent[uuid.UUID] | None = None) -> Payment:
        try:
            payment: Payment = self.load(payment_id(order_id, purpose), pe)
        except AggregateNotFoundError:
            raise PaymentNotFound(f"no {purpose} payment for order {order_id}", field="order_id", rule="P1") from None
        return payment

    def deposit(
        self, customer_id: str, currency: str = "USD", pe: ProcessingEvent[uuid.UUID] | None = None
    ) -> DepositAccount:
        try:
            account: DepositAccount = self.load(deposit_account_id(customer_id), pe)
        except AggregateNotFoundError:
            account = DepositAccount.open(customer_id, currency, self.clock.now())
        return account

    def payment_as_of(self, order_id: str, purpose: str, at: datetime) -> Payment | None:
        """One payment as it was at `at` (auditors); None if it did not exist yet."""
        payment: Payment | None = self.replay_as_of(payment_id(order_id, purpose), at)  # type: ignore[assignment]
        return payment

    def deposit_movements(self, customer_id: str) -> list[dict[str, Any]]:
        """The deposit's statement: every credit, debit, refund and refused debit, with the balance after."""
        account_id = deposit_account_id(customer_id)
        balance, movements = 0, []
        signs = {"Credited": 1, "Debited": -1, "Refunded": 1, "DebitRefused": 0}
        for domain_event in self.domain_events(account_id):
            kind = type(domain_event).__name__
            if kind not in signs:
                continue
            amount = domain_event.amount_minor
            balance += signs[kind] * amount
            movements.append(
                {
                    "kind": kind,
                    "amount_minor": amount,
                    "balance_after_minor": balance,
                    "order_id": getattr(domain_event, "order_id", None),
                    "purpose": getattr(domain_event, "purpose", None),
                    "reference": getattr(domain_event, "reference", None),
                    "reason": getattr(domain_event, "reason", None),
                    "at": domain_event.at,
                }
            )
        return movements

    def fraud_check(self, order_id: str) -> FraudCheck | None:
        try:
            check: FraudCheck = self.repository.get(fraud_check_id(order_id))
        except AggregateNotFoundError:
            return None
        return check

    def held_for_review(self) -> list[FraudCheck]:
        topic = get_topic(FraudCheck.FraudDrawRecorded)
        found = self.recorder.select_notifications(start=1, limit=100_000, topics=[topic])
        checks: list[FraudCheck] = [self.repository.get(uuid.UUID(str(n.originator_id))) for n in found]
        return [c for c in checks if c.held]

    # --- capture: card, PayPal (P1, P4, P5) ------------------------------------------------------
    def capture(self, order_id: str, purpose: str, method: str, source: str, idempotency_key: str) -> CaptureOutcome:
        """Charge through the provider; the same key never charges twice, a second charge is refunded."""
        if method == "card":
            validate_card(source)  # P1: Visa, MasterCard, JCB only; Luhn
        result: ProviderResult | None = None
        for _ in range(RETRIES):
            payment = self.payment(order_id, purpose)
            seen = payment.outcome_for(idempotency_key)
            if seen is not None:
                return seen
            if method != payment.method:
                raise InvalidPayment(f"this payment is by {payment.method}, not {method}", field="method", rule="P1")
            if result is None:
                payment.check_chargeable()
                assert self.provider is not None
                result = self.provider.capture(idempotency_key, payment.amount_minor, payment.currency, method, source)
            now = self.clock.now()
            if result.status == "captured":
                outcome = payment.capture(
                    idempotency_key, result.provider_ref or "", payment.amount_minor, result.network, result.last4, now
                )
                self._refund_duplicates(payment)
                self._release_if_cleared(payment)
            else:
                outcome = payment.decline(
                    idempotency_key, result.reason or "declined", result.network, result.last4, now
                )
            try:
                self.save(payment)
                return outcome
            except IntegrityError:
                continue  # another request changed this payment: reload, record our result on top
        raise InvalidPayment(
            "the payment is too busy; retry with the same Idempotency-Key", field="idempotency_key", rule="P4"
        )

    def _release_if_cleared(self, payment: Payment) -> None:
        check = self.fraud_check(payment.order_id)
        if payment.purpose == "shipping" or check is None or check.cleared:
            payment.release_confirmation(self.clock.now())

    # --- voucher and settlement (P2) ---------------------------------------------------------------
    def upload_voucher(self, order_id: str, data: bytes, content_type: str, suffix: str) -> Payment:
        """Keep the proof, record it, confirm the order in advance; settlement is due within N days."""
        payment = self.payment(order_id, "goods")
        ref = self.vouchers.keep(data, suffix)
        now = self.clock.now()
        if payment.receive_voucher(ref, len(data), content_type, now):
            self._release_if_cleared(payment)
            deadline = payment.settlement_deadline(self.settlement_days)
            assert self.timers is not None and deadline is not None
            pe: ProcessingEvent[uuid.UUID] = ProcessingEvent()
            pe.collect_events(payment)
            self.timers.schedule(pe, SETTLEMENT_OVERDUE, str(payment.id), deadline)
            self.record(pe)
        return payment

    def settle(self, order_id: str, amount_minor: int) -> Payment:
        """The transfer arrived (ops / account manager)."""
        payment = self.payment(order_id, "goods")
        if payment.settle(amount_minor, self.clock.now()):
            for amount, reason, reference in payment.deferred_refunds_due():  # owed since a cancel or shortfall
                payment.record_refund(amount, reason, reference, self.clock.now())
            self.save(payment)
        return payment

    # --- deposit (P3) -----------------------------------------------------------------------------
    def credit_deposit(self, customer_id: str, amount_minor: int, currency: str, reference: str) -> DepositAccount:
        """Money the customer sent as a deposit (ops / account manager); idempotent by reference."""
        return self._with_account(
            customer_id, currency, lambda a: a.credit(amount_minor, currency, reference, self.clock.now())
        )

    def pay_from_deposit(
        self, order_id: str, customer_id: str, amount_minor: int, currency: str, purpose: str = "goods"
    ) -> DepositAccount:
        """Debit the order's amount when the balance covers it (never below 0, under concurrency)."""
        return self._with_account(
            customer_id, currency, lambda a: a.debit(order_id, amount_minor, currency, self.clock.now(), purpose)
        )

    def pay_awaited_from_deposit(self, order_id: str, customer_id: str, purpose: str) -> DepositAccount:
        """The customer pays from the deposit (after a top-up): the goods or sample fee the amount the
        order waits for (it was not covered at checkout), the shipping its quote (P3, P7)."""
        if purpose == "shipping":
            payment = self.payment(order_id, "shipping")
            amount, currency = payment.amount_minor, payment.currency
        else:
            account = self.deposit(customer_id)
            if account.debited_for(order_id, purpose):  # paid already (a second click): nothing more
                return account
            awaited = account.awaiting(order_id, purpose)
            if awaited is None:
                raise PaymentNotFound(
                    f"order {order_id}'s {purpose} is not waiting for a payment from your deposit",
                    field="order_id",
                    rule="P3",
                )
            amount, currency = awaited, account.currency
        return self.pay_from_deposit(order_id, customer_id, amount, currency, purpose)

    def _with_account(
        self, customer_id: str, currency: str, change: Callable[[DepositAccount], bool]
    ) -> DepositAccount:
        for _ in range(RETRIES):
            account = self.deposit(customer_id, currency)
            if not change(account):
                return account
            try:
                self.save(account)
                return account
            except IntegrityError:
                continue  # a concurrent debit or credit: reload and check the balance again
        raise InvalidPayment("the deposit account is too busy; retry", field="amount", rule="P3")

    # --- fraud review (P5) --------------------------------------------------------------------------
    def review(self, order_id: str, reviewer: str, approve: bool, note: str) -> FraudCheck:
        check = self.fraud_check(order_id)
        if check is None:
            raise PaymentNotFound(f"no fraud check for order {order_id}", field="order_id", rule="P5")
        now = self.clock.now()
        changed: list[Any] = [check]
        if approve:
            check.approve(reviewer, note, now)
        else:
            check.reject(reviewer, note, now)
        for purpose in ("goods", "sample_fee"):
            try:
                payment = self.payment(order_id, purpose)
            except PaymentNotFound:
                continue
            if approve:
                payment.release_confirmation(now)
            elif payment.refundable_minor:
                self._refund_payment(payment, payment.refundable_minor, "rejected on review (P5)", f"review:{order_id}")
            changed.append(payment)
        self.save(*changed)
        return check

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        if isinstance(aggregate, Payment):
            return {
                "order_id": aggregate.order_id,
                "purpose": aggregate.purpose,
                "method": aggregate.method,
                "currency": aggregate.currency,
                "customer_id": aggregate.customer_id,
                "amount_minor": aggregate.amount_minor,
            }
        if isinstance(aggregate, DepositAccount):
            return {"customer_id": aggregate.customer_id, "currency": aggregate.currency}
        if isinstance(aggregate, FraudCheck):
            return {"order_id": aggregate.order_id}
        return None

    handlers: ClassVar[dict[str, Handler]] = incoming.HANDLERS
    timer_handlers: ClassVar[dict[str, TimerHandler]] = incoming.TIMERS
