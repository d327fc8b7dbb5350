"""Incoming integration events -> typed facts for the orders policies: the shared.events model of
each event type (its current version: envelopes arrive upcast), or a frozen fact of our own where
several event types tell the order the same thing (a payment)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from services.orders.domain.carriers import Tariff
from services.orders.domain.catalogue import Listing
from services.orders.domain.values import Money, ReservedLine, ShippingProblem
from shared.events import Envelope
from shared.events import inventory as inv
from shared.events import payments as pay
from shared.events import shipping as ship

M = TypeVar("M", bound=BaseModel)


def _model(model: type[M]) -> Callable[[Envelope], M]:
    def decode(envelope: Envelope) -> M:
        return model.model_validate(envelope.payload)

    return decode


stock_reserved = _model(inv.StockReserved)
stock_shortfall = _model(inv.StockShortfallReduced)
picking_started = _model(inv.PickingStarted)
goods_prepared = _model(inv.GoodsPrepared)
picking_sla_breached = _model(inv.PickingSlaBreached)
refund_issued = _model(pay.RefundIssued)
payment_failed = _model(pay.PaymentFailed)
held_for_review = _model(pay.PaymentHeldForReview)
review_completed = _model(pay.PaymentReviewCompleted)
shipping_quoted = _model(ship.ShippingQuoted)
shipping_quote_refused = _model(ship.ShippingQuoteRefused)
parcel_dispatched = _model(ship.ParcelDispatched)
parcel_delivered = _model(ship.ParcelDelivered)
receipt_confirmed = _model(ship.ReceiptConfirmed)


@dataclass(frozen=True)
class PaymentFact:
    """Money for an order arrived: captured, confirmed by a voucher (P2), settled by transfer (what the
    order was not told of by a voucher) or debited from a deposit (P3). `covered`: what arrived covers
    the payment (False only for a transfer partly settled)."""

    order_id: str
    purpose: pay.Purpose
    method: str
    amount_minor: int
    at: datetime
    covered: bool = True


def payment_captured(envelope: Envelope) -> PaymentFact:
    paid = pay.PaymentCaptured.model_validate(envelope.payload)
    return PaymentFact(paid.order_id, paid.purpose, paid.method, paid.amount.amount_minor, paid.captured_at)


def voucher_received(envelope: Envelope) -> PaymentFact:
    paid = pay.PaymentVoucherReceived.model_validate(envelope.payload)
    return PaymentFact(paid.order_id, paid.purpose, "bank_transfer", paid.amount.amount_minor, paid.received_at)


def payment_settled(envelope: Envelope) -> PaymentFact:
    """A transfer's money arrived (P2): what it adds to what the order knew of (0 in events published
    before settlements said it: their voucher had told the order)."""
    paid = pay.PaymentSettled.model_validate(envelope.payload)
    confirms = paid.confirms.amount_minor if paid.confirms is not None else 0
    covered = paid.covered is not False
    return PaymentFact(paid.order_id, paid.purpose, "bank_transfer", confirms, paid.settled_at, covered)


def deposit_debited(envelope: Envelope) -> PaymentFact:
    paid = pay.DepositDebited.model_validate(envelope.payload)
    return PaymentFact(paid.order_id, paid.purpose, "deposit", paid.amount.amount_minor, paid.debited_at)


def sku_catalogued(envelope: Envelope) -> Listing:
    sku = inv.SkuCatalogued.model_validate(envelope.payload)
    price = Money(sku.unit_price.amount_minor, sku.unit_price.currency)
    return Listing(sku.sku, sku.name, price, sku.moq, sku.weight_grams)


def reserved_line(line: inv.ReservedLine) -> ReservedLine:
    return ReservedLine(line.sku, line.asked, line.reserved, line.short)


def carrier_tariff(envelope: Envelope) -> Tariff:
    published = ship.CarrierTariffPublished.model_validate(envelope.payload)
    countries: dict[str, tuple[str, ...]] = {str(c.carrier): tuple(c.countries) for c in published.carriers}
    return Tariff(published.tariff_version, published.published_at, countries)


def shipping_problem(refused: ship.ShippingQuoteRefused) -> ShippingProblem:
    return ShippingProblem(refused.problem, refused.reason, refused.carrier, refused.country, refused.refused_at)
