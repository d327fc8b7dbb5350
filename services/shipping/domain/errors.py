"""Shipping's domain errors: each names the field and the rule, for the HTTP layer (X3)."""

from __future__ import annotations


class ShippingError(Exception):
    def __init__(self, message: str, *, field: str, rule: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class ShipmentNotFound(ShippingError):
    """No shipment for this order (shipping has seen none of its events)."""


class NotYourShipment(ShippingError):
    """X2: the shipment belongs to another customer."""


class DispatchRefused(ShippingError):
    """S2: not dispatchable (shipping not settled, order cancelled, nothing quoted)."""


class ReceiptRefused(ShippingError):
    """S4: receipt can be confirmed only after delivery, by the order's customer."""


class CarrierChoiceRefused(ShippingError):
    """S1: a carrier can be chosen for an order only until it is quoted."""


class UnknownParcel(ShippingError):
    """S3: a carrier update names a tracking number this carrier was not given."""


class TrackingRefused(ShippingError):
    """S3: an update out of order, after delivery, or a state the parcel cannot move to."""


class InvalidTrackingUpdate(ShippingError):
    """S3: an update that is malformed (a delivery without a signature, a bad tracking number)."""


class TariffTableInvalid(ValueError):
    """The tariff table does not hold together; the service refuses to start with it."""
