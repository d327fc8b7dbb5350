"""The DepositAccount aggregate (P3): one per customer; orders are paid from it, it never goes below 0."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain.errors import (
    InsufficientDeposit,
    InvalidPayment,
    PaymentConflict,
    PaymentNotFound,
    RefundExceedsCaptured,
)
from services.payments.domain.money import MAX_AMOUNT_MINOR, check_amount, check_ceiling, check_currency, format_money
from services.payments.domain.values import PURPOSES, check_text

DEPOSIT_NAMESPACE = uuid.UUID("8c5e2a71-4f9d-4b03-a6e8-1d7c9b2f0e54")


def deposit_account_id(customer_id: str) -> uuid.UUID:
    """The deposit account's id follows from the customer (one account each)."""
    return uuid.uuid5(DEPOSIT_NAMESPACE, customer_id)


class DepositAccount(Aggregate):
    """A customer's prepaid balance, in one currency, in integer minor units."""

    Opened: ClassVar[type[Any]]
    Credited: ClassVar[type[Any]]
    Debited: ClassVar[type[Any]]
    Refunded: ClassVar[type[Any]]
    DebitRefused: ClassVar[type[Any]]

    @classmethod
    def open(cls, customer_id: str, currency: str, at: datetime) -> DepositAccount:
        """Open an empty account for a customer, held in `currency`."""
        check_text(customer_id, field="customer_id", rule="P3")
        check_currency(currency, rule="P3")
        return cls(customer_id, currency, at)

    @event("Opened")
    def __init__(self, customer_id: str, currency: str, at: datetime) -> None:
        self.customer_id = customer_id
        self.currency = currency
        self.balance_minor = 0
        self.credits: dict[str, int] = {}  # reference → amount (a dict, not a set: snapshots are JSON)
        self.debits: dict[str, int] = {}
        self.refunds: dict[str, tuple[str, int]] = {}
        self.refused: dict[str, int] = {}  # order:purpose → amount the balance did not cover

    @staticmethod
    def create_id(customer_id: str, **_: Any) -> uuid.UUID:
        return deposit_account_id(customer_id)

    def covers(self, amount_minor: int) -> bool:
        """True if the balance pays `amount_minor` in full (P3)."""
        return self.balance_minor >= amount_minor

    def debited_for(self, order_id: str, purpose: str = "goods") -> int:
        """What was debited for this order and purpose (0 if nothing)."""
        return self.debits.get(_key(order_id, purpose), 0)

    def refunded_for(self, order_id: str, purpose: str = "goods") -> int:
        """What was credited back for this order and purpose."""
        key = _key(order_id, purpose)
        return sum(amount for k, amount in self.refunds.values() if k == key)

    # --- credit -----------------------------------------------------------------------------------
    def credit(
        self, amount_minor: int, currency: str, reference: str, at: datetime, ceiling: int = MAX_AMOUNT_MINOR
    ) -> bool:
        """Add money to the balance, at most `ceiling` at once; a reference already credited changes nothing."""
        if reference in self.credits:
            return False
        check_text(reference, field="reference", rule="P3")
        check_ceiling(amount_minor, ceiling, rule="P3", field="amount_minor")
        self._check_money(amount_minor, currency)
        self._credit(amount_minor, reference, at)
        return True

    @event("Credited")
    def _credit(self, amount_minor: int, reference: str, at: datetime) -> None:
        self.credits[reference] = amount_minor
        self.balance_minor += amount_minor

    # --- debit ------------------------------------------------------------------------------------
    def check_debit(
        self, order_id: str, amount_minor: int, currency: str, purpose: str = "goods", more: bool = False
    ) -> None:
        """Raise unless the balance covers this order's amount and the order was not debited otherwise
        (P3); `more`: the amount is what a raised order adds to its debit (O7)."""
        check_text(order_id, field="order_id", rule="P3")
        if purpose not in PURPOSES:
            raise InvalidPayment(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose", rule="P3")
        self._check_money(amount_minor, currency)
        already = self.debits.get(_key(order_id, purpose))
        if already is not None and already != amount_minor and not more:
            raise PaymentConflict(
                f"order {order_id}'s {purpose} was already debited {format_money(already, self.currency)}",
                field="order_id",
                rule="P3",
            )
        if not self.covers(amount_minor):
            raise InsufficientDeposit(
                f"the deposit balance of {format_money(self.balance_minor, self.currency)} does not cover "
                f"{format_money(amount_minor, self.currency)}",
                field="amount",
                rule="P3",
            )

    def debit(self, order_id: str, amount_minor: int, currency: str, at: datetime, purpose: str = "goods") -> bool:
        """Pay an order from the balance (P3); the same order debited again for the same amount changes nothing."""
        if self.debits.get(_key(order_id, purpose)) == amount_minor:
            return False
        self.check_debit(order_id, amount_minor, currency, purpose)
        self._debit(order_id, purpose, amount_minor, at)
        return True

    @event("Debited")
    def _debit(self, order_id: str, purpose: str, amount_minor: int, at: datetime) -> None:
        key = _key(order_id, purpose)
        self.debits[key] = self.debits.get(key, 0) + amount_minor  # a raised order is debited again (O7)
        self.refused.pop(key, None)  # what it waited for is paid
        self.balance_minor -= amount_minor

    def debit_up_to(self, order_id: str, purpose: str, total_minor: int, at: datetime) -> bool:
        """Debit what an order's purpose costs from the deposit beyond what it was debited already (P3, O7:
        the order was raised); False if it was debited that much. Raise InsufficientDeposit if not covered."""
        already = self.debited_for(order_id, purpose)
        if total_minor <= already:
            return False
        if not already:
            return self.debit(order_id, total_minor, self.currency, at, purpose)
        self.check_debit(order_id, total_minor - already, self.currency, purpose, more=True)
        self._debit(order_id, purpose, total_minor - already, at)
        return True

    def awaiting(self, order_id: str, purpose: str = "goods") -> int | None:
        """What an order to be paid from the deposit still waits for (the balance did not cover it), if any."""
        key = _key(order_id, purpose)
        owed = self.refused.get(key, 0) - self.debits.get(key, 0)
        return owed if key in self.refused and owed > 0 else None

    def refuse_debit(self, order_id: str, purpose: str, amount_minor: int, reason: str, at: datetime) -> bool:
        """Record that an order to be paid from the deposit was not covered (P3): `amount_minor` is what its
        purpose costs in all; once per order, purpose and amount (a reduced or raised order that is still
        not covered is recorded again, with its new amount)."""
        key = _key(order_id, purpose)
        if self.refused.get(key) == amount_minor or self.debits.get(key, 0) >= amount_minor:
            return False
        self._refuse_debit(order_id, purpose, amount_minor, reason, at)
        return True

    def pay_or_refuse(self, order_id: str, purpose: str, amount_minor: int, at: datetime) -> bool:
        """An order to be paid from the deposit, costing `amount_minor` in all: debit what is not debited yet,
        or record that the balance does not cover it (DebitRefused; the customer may top up and pay). True
        if anything was recorded (P3)."""
        try:
            return self.debit_up_to(order_id, purpose, amount_minor, at)
        except InsufficientDeposit as short:
            return self.refuse_debit(order_id, purpose, amount_minor, str(short), at)

    def amount_awaited(self, order_id: str, purpose: str) -> int:
        """What an order the balance did not cover still waits to be debited: 0 once it was debited;
        raise PaymentNotFound if it never waited for the deposit (P3)."""
        awaited = self.awaiting(order_id, purpose)
        if awaited is None and self.debited_for(order_id, purpose):
            return 0
        if awaited is None:
            raise PaymentNotFound(
                f"order {order_id}'s {purpose} is not waiting for a payment from your deposit",
                field="order_id",
                rule="P3",
            )
        return awaited

    @event("DebitRefused")
    def _refuse_debit(self, order_id: str, purpose: str, amount_minor: int, reason: str, at: datetime) -> None:
        self.refused[_key(order_id, purpose)] = amount_minor

    # --- refund back to the deposit (P6) ----------------------------------------------------------
    def refund(
        self,
        order_id: str,
        amount_minor: int,
        reason: str,
        reference: str,
        at: datetime,
        purpose: str = "goods",
        request_ref: str | None = None,
    ) -> bool:
        """Credit back (part of) what an order was debited for `purpose` (P6), naming the requester's own
        reference if it gave one (a ticket's refund id); a reference already used changes nothing."""
        if reference in self.refunds:
            return False
        check_text(reference, field="reference", rule="P6")
        check_text(reason, field="reason", rule="P6")
        check_amount(amount_minor, rule="P6")
        left = self.refundable_for(order_id, purpose)
        if amount_minor > left:
            raise RefundExceedsCaptured(
                f"a refund of {format_money(amount_minor, self.currency)} exceeds the "
                f"{format_money(left, self.currency)} left to refund for order {order_id}'s {purpose}",
                field="amount",
                rule="P6",
            )
        self._refund(order_id, purpose, amount_minor, reason, reference, at, request_ref)
        return True

    @event("Refunded")
    def _refund(
        self,
        order_id: str,
        purpose: str,
        amount_minor: int,
        reason: str,
        reference: str,
        at: datetime,
        request_ref: str | None = None,
    ) -> None:
        self.refunds[reference] = (_key(order_id, purpose), amount_minor)
        self.balance_minor += amount_minor

    def refundable_for(self, order_id: str, purpose: str = "goods") -> int:
        """What can still go back to the deposit of what an order was debited (P6)."""
        return self.debited_for(order_id, purpose) - self.refunded_for(order_id, purpose)

    def _check_money(self, amount_minor: int, currency: str) -> None:
        check_amount(amount_minor, rule="P3")
        if currency != self.currency:
            raise InvalidPayment(
                f"this deposit is held in {self.currency}, not {currency!r}", field="currency", rule="P3"
            )


def _key(order_id: str, purpose: str) -> str:
    return f"{order_id}:{purpose}"
