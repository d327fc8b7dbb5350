"""Shipping domain events -> integration events on `shipping.events`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.shipping.domain.publication import TariffPublication
from services.shipping.domain.shipment import Shipment
from shared.events import Money
from shared.events import shipping as contract
from shared.events.privacy import Sealed
from shared.runtime.translate import Outbound, context_of


def translate(domain_event: Any) -> Outbound | None:
    build = _BUILDERS.get(type(domain_event))
    if build is None:
        return None
    event_type, payload = build(domain_event, context_of(domain_event))
    return event_type, payload, getattr(payload, "order_id", None)


def _quoted(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    q = e.quote
    return "ShippingQuoted", contract.ShippingQuoted(
        order_id=ctx["order_id"],
        carrier=q["carrier"],
        country=q["country"],
        weight_grams=q["weight_grams"],
        cost=Money(amount_minor=q["cost_minor"], currency=q["currency"]),
        tariff_version=q["tariff_version"],
        quoted_at=e.at,
    )


def _refused(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    return "ShippingQuoteRefused", contract.ShippingQuoteRefused(
        order_id=ctx["order_id"],
        reason=e.reason,
        problem=e.problem,
        carrier=ctx.get("carrier"),
        country=ctx.get("country"),
        weight_grams=ctx.get("weight_grams") or 0,
        tariff_version=e.tariff_version,
        refused_at=e.at,
    )


def _dispatched(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    return "ParcelDispatched", contract.ParcelDispatched(
        order_id=ctx["order_id"], carrier=ctx["carrier"], tracking_number=e.tracking_number, dispatched_at=e.at
    )


def _delivered(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    """X4: who signed leaves sealed, the very token stored with the event (a republish is identical);
    an event stored before sealing publishes the name as it did."""
    token = vars(e).get("_sealed")
    if token is not None:
        return "ParcelDelivered", contract.ParcelDelivered(
            order_id=ctx["order_id"], signature=Sealed(**token), delivered_at=e.update["at"]
        )
    return "ParcelDelivered", contract.ParcelDelivered(
        order_id=ctx["order_id"], signed_by=e.update.get("signed_by"), delivered_at=e.update["at"]
    )


def _receipt(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    return "ReceiptConfirmed", contract.ReceiptConfirmed(
        order_id=ctx["order_id"], customer_id=e.customer_id, confirmed_at=e.at
    )


def _published(e: Any, ctx: dict[str, Any]) -> tuple[str, BaseModel]:
    return "CarrierTariffPublished", contract.CarrierTariffPublished(
        tariff_version=e.tariff_version,
        currency=e.currency,
        carriers=[contract.CarrierCoverage(**c) for c in e.carriers],
        published_at=e.at,
    )


_BUILDERS: dict[type, Callable[[Any, dict[str, Any]], tuple[str, BaseModel]]] = {
    Shipment.Quoted: _quoted,
    Shipment.QuoteRefused: _refused,
    Shipment.Dispatched: _dispatched,
    Shipment.Delivered: _delivered,
    Shipment.ReceiptConfirmed: _receipt,
    TariffPublication.Published: _published,
}
