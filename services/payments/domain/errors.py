"""Errors of the payments domain; each names the field and the rule it broke."""

from __future__ import annotations


class PaymentError(Exception):
    """A payments rule was broken; `field` and `rule` say which."""

    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class InvalidPayment(PaymentError, ValueError):
    """Bad input (amount, currency, method, purpose, voucher): fix the request and send it again."""


class InvalidCard(InvalidPayment):
    """The card number is malformed: wrong characters, wrong length, or a failed Luhn check (P1)."""


class CardRefused(InvalidPayment):
    """The card is well-formed but its network is not one we accept (P1)."""


class PaymentConflict(PaymentError):
    """The request is valid but the payment's history does not allow it now."""


class RefundExceedsCaptured(PaymentConflict):
    """Refunds would add up to more than was paid (P6)."""


class InsufficientDeposit(PaymentConflict):
    """The deposit balance does not cover the amount (P3)."""


class PaymentNotFound(PaymentError, LookupError):
    """No payment or deposit account with that id."""
