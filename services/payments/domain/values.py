"""A payment's frozen values (what its events record) and the checks of a payment request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.money import check_amount, check_currency

PURPOSES = ("goods", "shipping", "sample_fee")
METHODS = ("card", "paypal", "bank_transfer")


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

    @property
    def captured(self) -> bool:
        return self.status == "captured"


@dataclass(frozen=True)
class Refund:
    """Money given back: how much, why, the provider's (or the transfer's) reference, of which capture."""

    amount_minor: int
    reason: str
    provider_ref: str
    capture_ref: str | None = None


@dataclass(frozen=True)
class DeferredRefund:
    """A refund owed on a bank transfer whose money has not arrived: paid when it settles (P2, P6)."""

    amount_minor: int
    reason: str
    key: str
    at: datetime
    request_ref: str | None = None


class DueRefund(NamedTuple):
    """A deferred refund that can be paid now: the amount, the reason, the transfer's reference, and the
    reference its requester gave it (a ticket's refund id), if any."""

    amount_minor: int
    reason: str
    reference: str
    request_ref: str | None = None


@dataclass(frozen=True)
class RequestedRefund:
    """A refund through the provider that is owed and not yet made (P6): recorded first, then asked of
    the provider by a durable retry loop with its own idempotency key (`key`) until it succeeds."""

    key: str
    amount_minor: int
    reason: str
    capture_ref: str
    at: datetime
    request_ref: str | None = None
    attempts: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class Closure:
    """The order this payment is for was cancelled (or expired) (O5): what of the money it keeps (the
    cancellation fee; 0 for a free cancellation), why and when. Anything beyond goes back (P6)."""

    reason: str
    fee_minor: int
    at: datetime


@dataclass(frozen=True)
class Voucher:
    """Proof of a transfer the customer uploaded: the kept file's reference, its size and type (read
    from its bytes), and the upload's idempotency key if it had one."""

    file_ref: str
    size: int
    content_type: str
    at: datetime
    key: str | None = None


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
