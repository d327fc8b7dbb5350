"""Shipping API request and response models (XCreate in, XPublic out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.shipping.application import ShippingApplication
from services.shipping.domain.shipment import Shipment

CarrierName = Literal["DHL", "FedEx"]
TrackingStatus = Literal["in_transit", "held_at_customs", "cleared", "out_for_delivery", "delivered"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CarrierCreate(_In):
    carrier: CarrierName


class TrackingUpdateCreate(_In):
    """One carrier webhook call (S3): signed, see adapters/signatures.py."""

    update_id: str = Field(min_length=1, max_length=100, description="The carrier's id; a repeat is ignored")
    tracking_number: str = Field(min_length=1, max_length=40)
    status: TrackingStatus
    at: datetime = Field(description="When the carrier scanned the parcel (with a time zone)")
    location: str | None = Field(default=None, max_length=200)
    signed_by: str | None = Field(default=None, max_length=200, description="Required for delivered (S4)")


class MoneyPublic(BaseModel):
    amount_minor: int
    currency: str


class EstimatePublic(BaseModel):
    earliest: date
    latest: date
    basis: Literal["paid", "if_paid_today"] = Field(
        description="paid: counted from the settled shipping payment; if_paid_today: what paying now would give"
    )


class ShipmentPublic(BaseModel):
    order_id: str
    customer_id: str | None
    status: str
    carrier: str | None
    country: str | None
    items: int | None
    weight_grams: int | None
    quote: dict[str, Any] | None
    quote_refused: dict[str, Any] | None
    paid: dict[str, Any] | None
    voucher: dict[str, Any] | None
    estimate: EstimatePublic | None
    tracking_number: str | None
    dispatched_at: datetime | None
    tracking: list[dict[str, Any]]
    delivered: dict[str, Any] | None
    late: dict[str, Any] | None
    receipt_confirmed_at: datetime | None
    cancelled: dict[str, Any] | None

    @classmethod
    def of(cls, s: Shipment, app: ShippingApplication) -> ShipmentPublic:
        order = s.order or {}
        quote = None
        if s.quote:
            quote = {k: v for k, v in s.quote.items() if k not in ("cost_minor", "currency")}
            quote["cost"] = MoneyPublic(amount_minor=s.quote["cost_minor"], currency=s.quote["currency"])
        paid = None
        if s.payment:
            paid = {"how": s.payment["how"], "at": s.payment["at"], "settled": s.settled}
            paid["amount"] = MoneyPublic(amount_minor=s.payment["amount_minor"], currency=s.payment["currency"])
        return cls(
            order_id=s.order_id,
            customer_id=s.customer_id,
            status=s.status,
            carrier=s.carrier,
            country=order.get("country"),
            items=order.get("items"),
            weight_grams=s.weight_grams,
            quote=quote,
            quote_refused=s.refusal,
            paid=paid,
            voucher=s.voucher,
            estimate=_estimate(s, app),
            tracking_number=s.tracking_number,
            dispatched_at=s.dispatched["at"] if s.dispatched else None,
            tracking=[
                {k: u.get(k) for k in ("status", "at", "location", "signed_by", "received_at")} for u in s.updates
            ],
            delivered=s.delivered,
            late=s.late,
            receipt_confirmed_at=s.receipt["at"] if s.receipt else None,
            cancelled=s.cancelled,
        )


def _estimate(s: Shipment, app: ShippingApplication) -> EstimatePublic | None:
    if s.cancelled:
        return None
    if s.payment:
        earliest, latest, basis = s.payment["earliest"], s.payment["latest"], "paid"
    elif s.quote:
        window = app.estimate_for(s, app.clock.now())
        earliest, latest, basis = window.earliest, window.latest, "if_paid_today"
    else:
        return None
    local = app.calendar.local
    return EstimatePublic(earliest=local(earliest).date(), latest=local(latest).date(), basis=basis)  # type: ignore[arg-type]


class TariffPublic(BaseModel):
    version: str
    currency: str
    carriers: list[dict[str, Any]]
