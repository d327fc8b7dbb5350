"""Captures by card or PayPal (P1, P4): one recorded outcome per idempotency key; a capture of money
the payment no longer asks for (it was charged in full already) is a duplicate, to be refunded. What is
charged is what is still asked: the whole amount, or what an increase of the order added (O7). A payment
whose order was cancelled (O5) or reduced to nothing (I3) is not charged. The events a capture records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from eventsourcing.domain import Aggregate

from services.payments.domain.errors import InvalidPayment, PaymentConflict
from services.payments.domain.money import check_amount
from services.payments.domain.state import PaymentState
from services.payments.domain.values import CaptureOutcome, Closure, check_text

CHARGED_METHODS = ("card", "paypal")


def captured(attempts: Mapping[str, CaptureOutcome]) -> list[CaptureOutcome]:
    """The attempts that took money, in the order they were recorded."""
    return [a for a in attempts.values() if a.captured]


def charged(attempts: Mapping[str, CaptureOutcome]) -> int:
    """What the captures took towards the amount asked: every capture but the duplicates."""
    return sum(a.amount_minor for a in captured(attempts) if not a.duplicate)


def check_charged_method(method: str) -> None:
    """Raise unless payments by `method` are charged through the provider (card, PayPal)."""
    if method not in CHARGED_METHODS:
        raise InvalidPayment(f"a {method} payment is confirmed by a voucher", field="method", rule="P2")


def check_chargeable(
    method: str, amount_minor: int, outstanding_minor: int, closed: Closure | None, order_id: str, purpose: str
) -> None:
    """Raise unless the provider may be asked to charge this payment now: by card or PayPal, for an order
    that is not cancelled (O5), that costs something (I3) and is not paid yet (P2, P4)."""
    check_charged_method(method)
    if closed is not None:
        raise PaymentConflict(
            f"order {order_id} is cancelled ({closed.reason}): nothing is taken for it", field="order_id", rule="O5"
        )
    if amount_minor == 0:
        raise PaymentConflict(
            f"order {order_id}'s {purpose} costs nothing (nothing could be reserved): nothing to pay",
            field="purpose",
            rule="I3",
        )
    if outstanding_minor <= 0:
        raise PaymentConflict(f"order {order_id}'s {purpose} is already paid", field="purpose", rule="P4")


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


class CaptureRecorded(Aggregate.Event):
    """The provider took the money; a capture of money no longer asked for is a duplicate (P4)."""

    idempotency_key: str
    provider_ref: str
    amount_minor: int
    network: str | None
    last4: str | None
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        duplicate = charged(payment.attempts) >= payment.amount_minor
        payment.attempts[self.idempotency_key] = CaptureOutcome(
            "captured",
            self.idempotency_key,
            self.provider_ref,
            self.amount_minor,
            self.network,
            self.last4,
            None,
            duplicate,
        )


class DuplicateChargeDetected(Aggregate.Event):
    """A second real capture of the same payment, naming the first one's key; it is refunded (P4)."""

    idempotency_key: str
    provider_ref: str
    amount_minor: int
    first_idempotency_key: str
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        pass


class CaptureDeclined(Aggregate.Event):
    """The provider refused the attempt; a retry with the same key gets the same answer (P4)."""

    idempotency_key: str
    reason: str
    network: str | None
    last4: str | None
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.attempts[self.idempotency_key] = CaptureOutcome(
            "declined", self.idempotency_key, None, payment.amount_minor, self.network, self.last4, self.reason
        )
