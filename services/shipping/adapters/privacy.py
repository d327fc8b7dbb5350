"""Which shipping data is personal (crypto-shredding, shared.runtime.privacy): the name of whoever
signed for a delivered parcel (S4). It is sealed under the customer's key in shipping's own key table
(`hallmark_customer_keys` in the shipping database) in the store and in the published
`ParcelDelivered.signature` (the same token); the customer is the shipment's (its event context).
Shipping keeps the order's checkout details only as orders sealed them (`contact_sealed`, opened
through orders). Carrier, tracking number, times and amounts stay readable."""

from __future__ import annotations

from services.shipping.domain.shipment import Shipment
from shared.runtime.privacy.mapper import Personal, Values


def _same(values: Values) -> Values:
    return {"signed_by": values.get("signed_by")}


SIGNATURE = Personal(fields=("signed_by",), encode=_same, decode=_same)

PERSONAL_DATA: dict[type, Personal] = {Shipment.Delivered: SIGNATURE}
"""Shipments are not snapshotted."""
