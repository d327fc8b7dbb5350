"""The payments application: captures, vouchers, deposits, reviews and refunds (P1-P7)."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from services.payments.adapters.outbound import context_for
from services.payments.adapters.privacy import PERSONAL_DATA
from services.payments.adapters.providers import PaymentProvider, ProviderResult, provider_key
from services.payments.adapters.vouchers import sniff
from services.payments.application import closing, policies, refunds, views
from services.payments.domain import (
    CaptureOutcome,
    DepositAccount,
    DepositOrder,
    FraudCheck,
    InvalidPayment,
    Movement,
    Payment,
    PaymentNotFound,
    TicketRefund,
    deposit_account_id,
    deposit_order_id,
    fraud_check_id,
    payment_id,
    statement,
    ticket_refund_id,
    validate_card,
)
from services.payments.domain.transfer import settlement_reference
from services.payments.domain.voucher_files import VoucherFile, VoucherStore, voucher_ref
from services.payments.settings import PaymentsSettings
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import HallmarkApplication

log = logging.getLogger("hallmark.payments")
PE = ProcessingEvent[uuid.UUID]
RETRIES = 8
PAYING_FOR_GOODS = ("goods", "sample_fee")


class PaymentsApplication(HallmarkApplication):
    service = "payments"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {DepositAccount: 100}  # grows with the customer
    personal_data = PERSONAL_DATA  # X4: card last four sealed per customer (adapters/privacy.py)
    settings: PaymentsSettings

    def __init__(
        self,
        settings: PaymentsSettings,
        env: EnvType | None = None,
        clock: Clock | None = None,
        *,
        provider: PaymentProvider,
        vouchers: VoucherStore,
    ) -> None:
        super().__init__(settings, env, clock)
        self.provider = provider
        self.vouchers = vouchers
        self.fraud_share = settings.fraud_share
        self.settlement_days = settings.settlement_days
        self.voucher_max_bytes = settings.voucher_max_bytes
        self.max_amount_minor = settings.max_amount_minor
        self.refund_alert_after = timedelta(minutes=settings.refund_alert_minutes)
        self.rng: Callable[[], float] = random.random

    # --- queries (pass a consumer batch's `pe` to see what earlier messages of the batch changed) ---
    def payment(self, order_id: str, purpose: str, pe: PE | None = None) -> Payment:
        payment = self.payment_by_id(payment_id(order_id, purpose), pe)
        if payment is None:
            raise PaymentNotFound(f"no {purpose} payment for order {order_id}", field="order_id", rule="P1")
        return payment

    def aggregate_ids_of(self, envelope: Envelope) -> list[uuid.UUID]:
        """The payments for the goods of the order an incoming event is about, read ahead per batch."""
        return [payment_id(envelope.order_id, p) for p in PAYING_FOR_GOODS] if envelope.order_id else []

    def payment_by_id(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Payment | None:
        return self._found(aggregate_id, pe)

    def _found(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Any:
        """The aggregate (changed in `pe`, else stored), or None if there is none."""
        try:
            return self.load(aggregate_id, pe)
        except AggregateNotFoundError:
            return None

    def order_payment(self, order_id: str, pe: PE | None = None) -> Payment | None:
        """The payment for an order's goods, or for its sample fee (a sample order), if there is one."""
        found = (self.payment_by_id(payment_id(order_id, purpose), pe) for purpose in PAYING_FOR_GOODS)
        return next((p for p in found if p is not None), None)

    def has_payment(self, order_id: str, purpose: str, pe: PE) -> bool:
        return self.payment_by_id(payment_id(order_id, purpose), pe) is not None

    def deposit(self, customer_id: str, currency: str = "USD", pe: PE | None = None) -> DepositAccount:
        found = self._found(deposit_account_id(customer_id), pe)
        return found or DepositAccount.open(customer_id, currency, self.clock.now())

    def deposit_order(self, order_id: str, pe: PE | None = None) -> DepositOrder | None:
        """Whose deposit pays an order, if it is paid from a deposit (P3)."""
        return self._found(deposit_order_id(order_id), pe)

    def ticket_refund(self, refund_id: str, pe: PE | None = None) -> TicketRefund | None:
        """A ticket's refund request and how it was answered (T5, P6), if it came."""
        return self._found(ticket_refund_id(refund_id), pe)

    def payer(self, order_id: str) -> str | None:
        """The customer who pays an order (X2), named by its goods or sample fee payment or by its deposit."""
        known = self.order_payment(order_id) or self.deposit_order(order_id)
        return known.customer_id if known is not None else None

    def payment_as_of(self, order_id: str, purpose: str, at: datetime) -> Payment | None:
        """One payment as it was at `at` (auditors); None if it did not exist yet."""
        return self.replay_as_of(payment_id(order_id, purpose), at)  # type: ignore[return-value]

    def deposit_movements(self, customer_id: str) -> list[Movement]:
        """The deposit's statement: every credit, debit, refund and refused debit, with the balance after."""
        return statement(self.domain_events(deposit_account_id(customer_id)))

    def fraud_check(self, order_id: str) -> FraudCheck | None:
        return self._found(fraud_check_id(order_id))

    # --- capture: card, PayPal (P1, P4, P5) ------------------------------------------------------
    def capture(
        self,
        order_id: str,
        purpose: str,
        method: str,
        source: str,
        idempotency_key: str,
        loaded: Payment | None = None,
    ) -> CaptureOutcome:
        """Charge what is still asked through the provider; the same key never charges twice, a second
        charge is refunded, and so is money taken for an order cancelled meanwhile (O5). `loaded`: the
        payment as the caller just read it (the API, checking who may pay), used for the first try."""
        if method == "card":
            validate_card(source)  # P1: Visa, MasterCard, JCB only; Luhn
        result: ProviderResult | None = None
        charged = 0
        for _ in range(RETRIES):
            payment = loaded if loaded is not None else self.payment(order_id, purpose)
            loaded = None
            seen = payment.outcome_for(idempotency_key)
            if seen is not None:
                return seen
            if method != payment.method:
                raise InvalidPayment(f"this payment is by {payment.method}, not {method}", field="method", rule="P1")
            if result is None:
                payment.check_chargeable()
                key = provider_key(order_id, purpose, idempotency_key)  # the client's key is unique per payment only
                charged = payment.outstanding_minor
                result = self.provider.capture(key, charged, payment.currency, method, source)
            now = self.clock.now()
            pe: PE = ProcessingEvent()
            if result.status == "captured":
                ref = result.provider_ref or ""
                outcome = payment.capture(idempotency_key, ref, charged, result.network, result.last4, now)
                refunds.refund_duplicates(self, payment, pe)
                closing.give_back_after_close(self, payment, f"after-close:{ref}", pe)
                payment.release_confirmation(now)
            else:
                outcome = payment.decline(
                    idempotency_key, result.reason or "declined", result.network, result.last4, now
                )
            pe.collect_events(payment)
            try:
                self.record(pe)
                return outcome
            except IntegrityError:
                continue  # another request changed this payment: reload, record our result on top
        raise InvalidPayment(
            "the payment is too busy; retry with the same Idempotency-Key", field="idempotency_key", rule="P4"
        )

    # --- voucher and settlement (P2) ---------------------------------------------------------------
    def upload_voucher(self, order_id: str, data: bytes, purpose: str = "goods", key: str | None = None) -> Payment:
        """Check the proof (its type read from its bytes), keep it, record it, confirm the payment (goods,
        sample fee, shipping) in advance; settle in N days. The same bytes or the same idempotency `key`
        again change nothing. Nothing is kept unless accepted. A voucher for a cancelled order is owed
        back when its transfer settles (O5, P6)."""
        content_type = sniff(data)
        ref = voucher_ref(data, content_type)
        for _ in range(RETRIES):
            payment = self.payment(order_id, purpose)
            now = self.clock.now()
            if not payment.receive_voucher(ref, len(data), content_type, now, self.voucher_max_bytes, key):
                return payment
            assert content_type is not None  # receive_voucher refused anything else
            self.vouchers.put(VoucherFile(payment.id, ref, content_type, data))  # accepted: kept before recorded
            payment.release_confirmation(now)
            pe: PE = ProcessingEvent()
            closing.give_back_after_close(self, payment, f"after-close:{ref}", pe)
            deadline = payment.settlement_deadline(self.settlement_days)
            assert self.timers is not None and deadline is not None
            pe.collect_events(payment)
            self.timers.schedule(pe, policies.SETTLEMENT_OVERDUE, str(payment.id), deadline)
            try:
                self.record(pe)
                return payment
            except IntegrityError:
                continue  # another replica recorded on this payment meanwhile: reload, try again
        raise InvalidPayment("the payment is too busy; send the voucher again", field="file", rule="P2")

    def voucher_file(self, order_id: str, purpose: str, index: int) -> VoucherFile:
        """The bytes of the payment's `index`-th voucher (0 first), as kept; PaymentNotFound if none."""
        payment = self.payment(order_id, purpose)
        known = payment.vouchers[index] if 0 <= index < len(payment.vouchers) else None
        found = self.vouchers.get(payment.id, known.file_ref) if known is not None else None
        if found is None:
            raise PaymentNotFound(f"no voucher {index} for order {order_id}'s {purpose}", field="index", rule="P2")
        return found

    def settle(self, order_id: str, amount_minor: int, purpose: str = "goods", reference: str | None = None) -> Payment:
        """Money of the transfer arrived (ops / account manager), once per bank reference (without one, per
        amount): recorded as what arrived; the order confirms once what arrived covers it; refunds owed
        since a cancel or shortfall go back, and so does what arrived beyond what is asked (P2, P6)."""
        for _ in range(RETRIES):
            payment = self.payment(order_id, purpose)
            beyond_before = payment.settled_beyond_minor
            if not payment.settle(amount_minor, self.clock.now(), reference, self.max_amount_minor):
                return payment
            pe: PE = ProcessingEvent()
            beyond = payment.settled_beyond_minor - beyond_before
            closing.give_back_settled(self, payment, beyond, settlement_reference(amount_minor, reference), pe)
            pe.collect_events(payment)
            try:
                self.record(pe)
                return payment
            except IntegrityError:
                continue  # a concurrent change of this payment: reload and settle again
        raise InvalidPayment("the payment is too busy; retry", field="amount_minor", rule="P2")

    # --- deposit (P3) -----------------------------------------------------------------------------
    def credit_deposit(self, customer_id: str, amount_minor: int, currency: str, reference: str) -> DepositAccount:
        """Money the customer sent as a deposit (ops / account manager), at most the ceiling at once;
        idempotent by reference."""
        ceiling = self.max_amount_minor
        return self._with_account(
            customer_id, currency, lambda a: a.credit(amount_minor, currency, reference, self.clock.now(), ceiling)
        )

    def pay_from_deposit(
        self, order_id: str, customer_id: str, amount_minor: int, currency: str, purpose: str = "goods"
    ) -> DepositAccount:
        """Debit the order's amount when the balance covers it (never below 0, under concurrency)."""
        return self._with_account(
            customer_id, currency, lambda a: a.debit(order_id, amount_minor, currency, self.clock.now(), purpose)
        )

    def pay_awaited_from_deposit(self, order_id: str, customer_id: str, purpose: str) -> DepositAccount:
        """The customer pays from the deposit, after a top-up, what an order paid from it waits for: its
        goods or sample fee (not covered at checkout, or raised by a change, O7), or its shipping (not
        covered at the quote) (P3, P7); never for a cancelled order (O5)."""

        def pay(account: DepositAccount) -> bool:
            payer = self.deposit_order(order_id)
            if payer is not None:
                payer.check_open()
            awaited = account.amount_awaited(order_id, purpose)
            if not awaited:  # paid already (a second click): nothing more
                return False
            total = account.debited_for(order_id, purpose) + awaited
            return account.debit_up_to(order_id, purpose, total, self.clock.now())

        return self._with_account(customer_id, self.deposit(customer_id).currency, pay)

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

    # --- fraud review (P5) ------------------------------------------------------------------------
    def review(self, order_id: str, reviewer: str, approve: bool, note: str) -> FraudCheck:
        """Ops decide on an order held for review (P5): approved, orders may confirm it; rejected, its
        money goes back in full (P6) and nothing more is taken for it (orders cancels it)."""
        check = self.fraud_check(order_id)
        if check is None:
            raise PaymentNotFound(f"no fraud check for order {order_id}", field="order_id", rule="P5")
        now = self.clock.now()
        pe: PE = ProcessingEvent()
        if approve:
            check.approve(reviewer, note, now)
            payment = self.order_payment(order_id)
            if payment is not None and payment.release_confirmation(now):  # held before captures were announced
                pe.collect_events(payment)
        else:
            check.reject(reviewer, note, now)
            reason = f"rejected on review (P5): {note}"
            pe.collect_events(*closing.close_order(self, order_id, 0, reason, f"review:{order_id}", pe))
        pe.collect_events(check)
        self.record(pe)
        return check

    # --- what ops and account managers follow (P2, P5, P6) ----------------------------------------
    def held_for_review(self) -> list[FraudCheck]:
        """Orders drawn for a fraud check and not decided yet, unless cancelled meanwhile (P5)."""
        return views.held_for_review(self)

    def refunds_owed(self, older_than: timedelta | None = None) -> list[views.OwedRefund]:
        """Refunds owed through the provider and not made yet, owed for longer than `older_than` (P6)."""
        threshold = self.refund_alert_after if older_than is None else older_than
        return views.refunds_owed(self, self.clock.now() - threshold)

    def overdue_transfers(self, customer_ids: Collection[str] | None = None) -> list[Payment]:
        """Transfers flagged overdue and still not settled, of open orders; of these customers if named (P2)."""
        return views.overdue_transfers(self, customer_ids)

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        """The chassis hook: what payments' integration events say besides the change itself."""
        return context_for(aggregate)
