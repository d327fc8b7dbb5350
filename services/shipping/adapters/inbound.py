"""Incoming integration events -> the typed facts shipping acts on (nothing else of them is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.events import Envelope
from shared.events import inventory as inv
from shared.events import orders as ords
from shared.events import payments as pay

Paid = Literal["captured", "debited", "settled"]


@dataclass(frozen=True)
class OrderFacts:
    """What shipping needs of a placed order (OrderPlaced, upcast to its current version)."""

    order_id: str
    customer_id: str
    contact_email: str | None
    country: str | None
    contact_sealed: dict[str, Any] | None
    """X4: the order's sealed details (addresses, e-mail); opened through orders when an e-mail goes out."""
    items: int
    skus: tuple[str, ...]
    carrier: str | None


@dataclass(frozen=True)
class ParcelWeighed:
    order_id: str
    weight_grams: int
    at: datetime


@dataclass(frozen=True)
class ShippingMoney:
    """A payment for the shipping (purpose "shipping"): `how` it arrived, or a voucher (promised)."""

    order_id: str
    how: Paid | Literal["voucher"]
    amount_minor: int
    currency: str
    at: datetime
    covered: bool | None = None
    """For a settlement: whether all that arrived now covers what was asked (None: not said)."""


@dataclass(frozen=True)
class OrderWithdrawn:
    order_id: str
    reason: str
    at: datetime


def order_facts(envelope: Envelope) -> OrderFacts:
    placed = ords.OrderPlaced.model_validate(envelope.payload)
    return OrderFacts(
        order_id=placed.order_id,
        customer_id=placed.customer_id,
        contact_email=placed.contact_email,
        country=placed.shipping_country or (placed.shipping_address.country if placed.shipping_address else None),
        contact_sealed=placed.personal.model_dump() if placed.personal else None,
        items=sum(line.quantity for line in placed.lines),
        skus=tuple(line.sku for line in placed.lines),
        carrier=placed.carrier,
    )


def parcel_weighed(envelope: Envelope) -> ParcelWeighed:
    prepared = inv.GoodsPrepared.model_validate(envelope.payload)
    return ParcelWeighed(order_id=prepared.order_id, weight_grams=prepared.weight_grams, at=prepared.prepared_at)


def shipping_money(envelope: Envelope) -> ShippingMoney | None:
    """The payment event as shipping money, or None if it pays for something else (goods, samples)."""
    kind = envelope.event_type
    covered: bool | None = None
    if kind == "PaymentCaptured":
        captured = pay.PaymentCaptured.model_validate(envelope.payload)
        purpose, how, amount, at = captured.purpose, "captured", captured.amount, captured.captured_at
    elif kind == "DepositDebited":
        debited = pay.DepositDebited.model_validate(envelope.payload)
        purpose, how, amount, at = debited.purpose, "debited", debited.amount, debited.debited_at
    elif kind == "PaymentSettled":
        settled = pay.PaymentSettled.model_validate(envelope.payload)
        purpose, how, amount, at = settled.purpose, "settled", settled.amount, settled.settled_at
        covered = settled.covered
    elif kind == "PaymentVoucherReceived":
        voucher = pay.PaymentVoucherReceived.model_validate(envelope.payload)
        purpose, how, amount, at = voucher.purpose, "voucher", voucher.amount, voucher.received_at
    else:
        raise ValueError(f"{kind} is not a payment event")
    if purpose != "shipping":
        return None
    return ShippingMoney(
        order_id=str(envelope.payload["order_id"]),
        how=how,  # type: ignore[arg-type]
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        at=at,
        covered=covered,
    )


def order_withdrawn(envelope: Envelope) -> OrderWithdrawn:
    """OrderCancelled or OrderExpired: either way the order ended and nothing will be shipped."""
    if envelope.event_type == "OrderExpired":
        expired = ords.OrderExpired.model_validate(envelope.payload)
        return OrderWithdrawn(order_id=expired.order_id, reason=f"expired: {expired.reason}", at=expired.expired_at)
    cancelled = ords.OrderCancelled.model_validate(envelope.payload)
    return OrderWithdrawn(order_id=cancelled.order_id, reason=cancelled.reason, at=cancelled.cancelled_at)
