"""The record that finds a parcel's order by its tracking number (the carriers' webhooks name only
the tracking number). Its id follows from the number, so two shipments can never share one."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from services.shipping.domain.tracking import index_id


class ParcelIndex(Aggregate):
    @staticmethod
    def create_id(tracking_number: str, carrier: str, order_id: str) -> uuid.UUID:
        return index_id(tracking_number)

    @event("Registered")
    def __init__(self, tracking_number: str, carrier: str, order_id: str) -> None:
        self.tracking_number = tracking_number
        self.carrier = carrier
        self.order_id = order_id
