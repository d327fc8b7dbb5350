"""Payments domain: card rules, payments per order and purpose, deposits, fraud checks. Pure: no I/O."""

from services.payments.domain.cards import CardSummary, detect_network, luhn_valid, validate_card
from services.payments.domain.deposit import DepositAccount, deposit_account_id
from services.payments.domain.errors import (
    CardRefused,
    InsufficientDeposit,
    InvalidCard,
    InvalidPayment,
    PaymentConflict,
    PaymentError,
    PaymentNotFound,
    RefundExceedsCaptured,
)
from services.payments.domain.payment import Payment, payment_id
from services.payments.domain.review import FraudCheck, fraud_check_id, fraud_draw
from services.payments.domain.values import CaptureOutcome

__all__ = [
    "CaptureOutcome",
    "CardRefused",
    "CardSummary",
    "DepositAccount",
    "FraudCheck",
    "InsufficientDeposit",
    "InvalidCard",
    "InvalidPayment",
    "Payment",
    "PaymentConflict",
    "PaymentError",
    "PaymentNotFound",
    "RefundExceedsCaptured",
    "deposit_account_id",
    "detect_network",
    "fraud_check_id",
    "fraud_draw",
    "luhn_valid",
    "payment_id",
    "validate_card",
]
