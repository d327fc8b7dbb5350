"""Input checks of a payment request: purposes, methods, non-blank text."""

from __future__ import annotations

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.money import check_amount, check_currency

PURPOSES = ("goods", "shipping", "sample_fee")
METHODS = ("card", "paypal", "bank_transfer")


def check_text(value: object, *, field: str, rule: str) -> str:
    """Return `value` if it is a non-blank string, else raise InvalidPayment naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayment(f"{field} must be a non-empty string", field=field, rule=rule)
    return value


def check_request(order_id: str, purpose: str, amount_minor: int, currency: str, method: str, customer_id: str) -> None:
    """Raise InvalidPayment unless a payment request is well-formed (P1, P7)."""
    check_text(order_id, field="order_id", rule="P1")
    check_text(customer_id, field="customer_id", rule="P1")
    if purpose not in PURPOSES:
        raise InvalidPayment(
            f"purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}", field="purpose", rule="P7"
        )
    if method not in METHODS:
        raise InvalidPayment(
            f"we take PayPal, card (Visa, MasterCard, JCB) or bank transfer, got {method!r}", field="method", rule="P1"
        )
    check_amount(amount_minor, rule="P1")
    check_currency(currency, rule="P1")
