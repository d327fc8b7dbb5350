"""Values and input checks of a payment: purposes, methods, vouchers, capture outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.money import check_amount, check_currency

PURPOSES = ("goods", "shipping", "sample_fee")
METHODS = ("card", "paypal", "bank_transfer")
VOUCHER_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_VOUCHER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class CaptureOutcome:
    """The recorded result of one capture attempt, returned again for a retried idempotency key (P4)."""

    status: str
    idempotency_key: str
    provider_ref: str | None
    amount_minor: int
    network: str | None
    last4: str | None
    reason: str | None = None
    duplicate: bool = False


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


def check_voucher(method: str, file_ref: str, size: int, content_type: str, max_bytes: int = MAX_VOUCHER_BYTES) -> None:
    """Raise InvalidPayment unless this is a usable voucher for a bank transfer (P2)."""
    if method != "bank_transfer":
        raise InvalidPayment(f"a {method} payment takes no voucher: only bank transfers do", field="method", rule="P2")
    check_text(file_ref, field="voucher.file_ref", rule="P2")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= max_bytes:
        raise InvalidPayment(
            f"a voucher must be between 1 byte and {max_bytes} bytes, got {size!r}", field="voucher.size", rule="P2"
        )
    if content_type not in VOUCHER_CONTENT_TYPES:
        raise InvalidPayment(
            f"a voucher must be a PDF, JPEG or PNG file, got {content_type!r}", field="voucher.content_type", rule="P2"
        )
