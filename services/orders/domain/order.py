"""The Order aggregate. Its status is derived from its events (O4), never set from outside."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

PENDING_PAYMENT = "PendingPayment"


class Order(Aggregate):
    Placed: ClassVar[type[Any]]
    StockReservationRecorded: ClassVar[type[Any]]

    @event("Placed")
    def __init__(
        self,
        order_id: str,
        customer_id: str,
        lines: list[dict[str, Any]],
        currency: str,
        total_minor: int,
        placed_at: datetime,
        sample: bool = False,
    ) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.lines = lines
        self.currency = currency
        self.total_minor = total_minor
        self.placed_at = placed_at
        self.sample = sample
        self.status = PENDING_PAYMENT
        self.stock = "awaiting reservation"
        self.reservation: list[dict[str, Any]] = []

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        """The id is chosen by the caller (so a retried checkout cannot create a twin)."""
        return uuid.UUID(order_id)

    @event("StockReservationRecorded")
    def record_reservation(self, lines: list[dict[str, Any]], at: datetime) -> None:
        self.reservation = lines
        self.stock = "reserved" if all(line["short"] == 0 for line in lines) else "partially reserved"
