"""Events published by the shipping service on `shipping.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.events.money import Money
from shared.events.registry import event


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@event("shipping", "ShippingQuoted")
class ShippingQuoted(_Payload):
    order_id: str
    carrier: Literal["DHL", "FedEx"]
    country: str
    weight_grams: int
    cost: Money
    tariff_version: str
    quoted_at: datetime


@event("shipping", "ParcelDispatched")
class ParcelDispatched(_Payload):
    order_id: str
    carrier: Literal["DHL", "FedEx"]
    tracking_number: str
    dispatched_at: datetime


@event("shipping", "ParcelDelivered")
class ParcelDelivered(_Payload):
    order_id: str
    signed_by: str
    delivered_at: datetime


@event("shipping", "ReceiptConfirmed")
class ReceiptConfirmed(_Payload):
    """The customer confirmed receipt in the system (S4); after-sale tickets may open (T1)."""

    order_id: str
    customer_id: str
    confirmed_at: datetime
