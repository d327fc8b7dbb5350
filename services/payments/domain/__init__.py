"""Payments domain: card rules, payments per order and purpose (captures, refunds, bank transfers),
deposits, the orders they pay and their statement, fraud checks, tickets' refund requests. Pure: no I/O."""

from services.payments.domain.cards import CardSummary, detect_network, luhn_valid, validate_card
from services.payments.domain.deposit import DepositAccount, deposit_account_id
from services.payments.domain.deposit_order import DepositOrder, deposit_order_id
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
from services.payments.domain.pending import retry_delay
from services.payments.domain.review import FraudCheck, fraud_check_id, fraud_draw
from services.payments.domain.statement import Movement, statement
from services.payments.domain.ticket_refund import PAID_AS, TicketRefund, ticket_refund_id
from services.payments.domain.values import (
    CaptureOutcome,
    Closure,
    DeferredRefund,
    DueRefund,
    Refund,
    RequestedRefund,
    Voucher,
)

__all__ = [
    "PAID_AS",
    "CaptureOutcome",
    "CardRefused",
    "CardSummary",
    "Closure",
    "DeferredRefund",
    "DepositAccount",
    "DepositOrder",
    "DueRefund",
    "FraudCheck",
    "InsufficientDeposit",
    "InvalidCard",
    "InvalidPayment",
    "Movement",
    "Payment",
    "PaymentConflict",
    "PaymentError",
    "PaymentNotFound",
    "Refund",
    "RefundExceedsCaptured",
    "RequestedRefund",
    "TicketRefund",
    "Voucher",
    "deposit_account_id",
    "deposit_order_id",
    "detect_network",
    "fraud_check_id",
    "fraud_draw",
    "luhn_valid",
    "payment_id",
    "retry_delay",
    "statement",
    "ticket_refund_id",
    "validate_card",
]
