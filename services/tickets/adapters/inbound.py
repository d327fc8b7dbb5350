"""Incoming integration events -> typed facts for the tickets policies (no guessing at payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.tickets.adapters.references import refund_id_in
from shared.events import Envelope
from shared.events import inventory as inv
from shared.events import orders as ords
from shared.events import payments as pay
from shared.events import shipping as ship


@dataclass(frozen=True)
class Lines:
    """An order's lines as placed or changed: sku, quantity, unit price in minor units."""

    order_id: str
    customer_id: str
    currency: str
    lines: list[dict[str, Any]]
    reason: str
    at: datetime


@dataclass(frozen=True)
class Reduction:
    order_id: str
    quantities: dict[str, int]
    reason: str
    at: datetime


@dataclass(frozen=True)
class Quote:
    order_id: str
    cost_minor: int
    currency: str
    weight_grams: int
    at: datetime


@dataclass(frozen=True)
class RefundNotMade:
    """Payments refused a ticket's refund request (nothing left to refund of that purpose)."""

    order_id: str
    refund_id: str
    reason: str
    refused_at: datetime


@dataclass(frozen=True)
class Refunded:
    """A refund payments made; `refund_id` names the ticket refund request it answers, if any."""

    order_id: str
    refund_id: str | None
    amount_minor: int
    issued_at: datetime


def _lines(lines: list[ords.OrderLine]) -> list[dict[str, Any]]:
    return [{"sku": x.sku, "quantity": x.quantity, "unit_price_minor": x.unit_price.amount_minor} for x in lines]


def placed(envelope: Envelope) -> Lines:
    e = ords.OrderPlaced.model_validate(envelope.payload)
    currency = e.lines[0].unit_price.currency if e.lines else e.total.currency
    return Lines(e.order_id, e.customer_id, currency, _lines(e.lines), "placed", e.placed_at)


def changed(envelope: Envelope) -> Lines:
    e = ords.OrderChanged.model_validate(envelope.payload)
    return Lines(e.order_id, e.customer_id, e.new_total.currency, _lines(e.lines), e.reason, e.changed_at)


def reduced(envelope: Envelope) -> Reduction:
    e = ords.OrderItemsReduced.model_validate(envelope.payload)
    return Reduction(e.order_id, {x.sku: x.quantity_after for x in e.lines}, e.reason, e.reduced_at)


def quoted(envelope: Envelope) -> Quote:
    e = ship.ShippingQuoted.model_validate(envelope.payload)
    return Quote(e.order_id, e.cost.amount_minor, e.cost.currency, e.weight_grams, e.quoted_at)


def delivered(envelope: Envelope) -> ship.ParcelDelivered:
    return ship.ParcelDelivered.model_validate(envelope.payload)


def forgotten(envelope: Envelope) -> ords.CustomerForgotten:
    return ords.CustomerForgotten.model_validate(envelope.payload)


def receipt(envelope: Envelope) -> ship.ReceiptConfirmed:
    return ship.ReceiptConfirmed.model_validate(envelope.payload)


def listing(envelope: Envelope) -> inv.SkuCatalogued:
    return inv.SkuCatalogued.model_validate(envelope.payload)


def refunded(envelope: Envelope) -> Refunded:
    e = pay.RefundIssued.model_validate(envelope.payload)
    return Refunded(e.order_id, refund_id_in(e.reason, e.reference), e.amount.amount_minor, e.issued_at)


def refund_refused(envelope: Envelope) -> RefundNotMade:
    e = pay.RefundRefused.model_validate(envelope.payload)
    return RefundNotMade(e.order_id, e.reference, e.reason, e.refused_at)
