"""Captures by card or PayPal (P1, P4): one recorded outcome per idempotency key; a second real
capture of the same payment is a duplicate, to be refunded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.money import check_amount
from services.payments.domain.values import check_text

CHARGED_METHODS = ("card", "paypal")


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


def captured(attempts: Mapping[str, CaptureOutcome]) -> list[CaptureOutcome]:
    """The attempts that took money, in the order they were recorded."""
    return [a for a in attempts.values() if a.captured]


def check_charged_method(method: str) -> None:
    """Raise unless payments by `method` are charged through the provider (card, PayPal)."""
    if method not in CHARGED_METHODS:
        raise InvalidPayment(f"a {method} payment is confirmed by a voucher", field="method", rule="P2")


def check_capture(method: str, idempotency_key: str, provider_ref: str, amount_minor: int) -> None:
    """Raise unless a capture the provider reports can be recorded on a payment by `method` (P4)."""
    check_charged_method(method)
    check_text(idempotency_key, field="idempotency_key", rule="P4")
    check_text(provider_ref, field="provider_ref", rule="P4")
    check_amount(amount_minor, rule="P4")


def find_capture(captures: Iterable[CaptureOutcome], provider_ref: str) -> CaptureOutcome:
    """The capture the provider knows as `provider_ref`; raise InvalidPayment if there is none."""
    found = next((c for c in captures if c.provider_ref == provider_ref), None)
    if found is None:
        raise InvalidPayment(f"no capture {provider_ref!r} on this payment", field="capture_ref", rule="P6")
    return found
