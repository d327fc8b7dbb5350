"""Finishing the picking of an order (I4): the goods leave the shelf, the parcel is weighed."""

from __future__ import annotations

from datetime import datetime

from services.inventory.domain.errors import InvalidParcelWeight, PickingRefused
from services.inventory.domain.reservation import PICKING, Reservation
from services.inventory.domain.sku import Sku


def finish(reservation: Reservation, skus: list[Sku], weight_grams: int | None, at: datetime, by: str) -> None:
    """The order's reserved goods leave the shelf of each SKU, and the reservation records the parcel
    weight: `weight_grams` as measured, or else unit weights times quantities (never 0 g)."""
    reservation.check_status("finish picking", PICKING)
    picked = {sku.code: sku.pick(reservation.order_id) for sku in skus}
    if not any(picked.values()):
        raise PickingRefused("nothing is reserved for this order to pick", field="order_id", rule="I4")
    weight = weight_grams or sum(sku.weight_grams * picked[sku.code] for sku in skus)
    if weight <= 0:
        raise InvalidParcelWeight(
            "the unit weights give 0 g: send the measured weight_grams", field="weight_grams", rule="I4"
        )
    reservation.prepare(weight, weight_grams is not None, picked, at, by)
