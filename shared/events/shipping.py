"""Events published by the shipping service on `shipping.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.events.base import Contract
from shared.events.money import Money
from shared.events.privacy import Sealed
from shared.events.registry import event, upcaster

Carrier = Literal["DHL", "FedEx"]
"""The carriers the shop ships with (S1)."""


_Payload = Contract


@event("shipping", "ShippingQuoted")
class ShippingQuoted(_Payload):
    order_id: str
    carrier: Carrier
    country: str
    weight_grams: int
    cost: Money
    tariff_version: str
    quoted_at: datetime


@event("shipping", "ShippingQuoteRefused")
class ShippingQuoteRefused(_Payload):
    """S1: the goods are prepared but no quote can be made (no carrier chosen, a country the carrier
    does not serve, a parcel above its heaviest band); ops follow up, e.g. by choosing a carrier."""

    order_id: str
    reason: str
    problem: Literal["no_carrier", "no_country", "country_not_served", "too_heavy"]
    carrier: Carrier | None = None
    country: str | None = None
    weight_grams: int
    tariff_version: str
    refused_at: datetime


class CarrierCoverage(_Payload):
    carrier: Carrier
    countries: list[str] = Field(description="ISO 3166-1 alpha-2 codes the carrier serves, sorted")
    max_weight_grams: int = Field(gt=0, description="The heaviest parcel the carrier's tariff prices")


@event("shipping", "CarrierTariffPublished")
class CarrierTariffPublished(_Payload):
    """The tariff table shipping quotes from (S1), published once per table version: which countries
    each carrier serves, so that checkout can refuse a carrier that does not serve the address."""

    tariff_version: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    carriers: list[CarrierCoverage]
    published_at: datetime


@event("shipping", "ParcelDispatched")
class ParcelDispatched(_Payload):
    order_id: str
    carrier: Carrier
    tracking_number: str
    dispatched_at: datetime


@event("shipping", "ParcelDelivered", version=1)
class ParcelDeliveredV1(_Payload):
    """Version 1 named who signed in the clear."""

    order_id: str
    signed_by: str
    delivered_at: datetime


@event("shipping", "ParcelDelivered", version=2)
class ParcelDelivered(_Payload):
    """v2 (X4): who signed is personal data, sealed by shipping under the customer's key (`signature`,
    opened by shipping alone; `[erased]` once the customer is forgotten); `signed_by` is only the name
    a v1 message carried in the clear."""

    order_id: str
    signed_by: str | None = Field(default=None, description="v1 messages only; shipping now seals it (signature)")
    signature: Sealed | None = Field(default=None, description="Who signed, sealed under the customer's key")
    delivered_at: datetime


@upcaster("ParcelDelivered", from_version=1)
def _parcel_delivered_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A v1 delivery named who signed in the clear; it keeps it (nothing to seal after the fact)."""
    return {**payload, "signature": None}


@event("shipping", "ReceiptConfirmed")
class ReceiptConfirmed(_Payload):
    """The customer confirmed receipt in the system (S4); after-sale tickets may open (T1)."""

    order_id: str
    customer_id: str
    confirmed_at: datetime
