"""Inventory use cases: catalogue, availability, reservations for placed orders."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.inventory.adapters.inbound import order_placed_lines
from services.inventory.domain.model import Reservation, Sku, UnknownSku, reservation_id, sku_id
from shared.events import Envelope
from shared.runtime.store import HallmarkApplication, Handler


class InventoryApplication(HallmarkApplication):
    service = "inventory"

    def catalogue(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> bool:
        """Add a SKU to the catalogue unless it is there already; True if it was added."""
        try:
            self.repository.get(sku_id(code))
            return False
        except AggregateNotFoundError:
            pass
        try:
            self.save(
                Sku(
                    code=code,
                    name=name,
                    unit_price_minor=unit_price_minor,
                    currency=currency,
                    moq=moq,
                    weight_grams=weight_grams,
                    on_hand=on_hand,
                )
            )
        except IntegrityError:
            return False  # catalogued concurrently by another process
        return True

    def get_sku(self, code: str) -> Sku:
        try:
            sku: Sku = self.repository.get(sku_id(code))
        except AggregateNotFoundError:
            raise UnknownSku(f"no SKU {code!r} in the catalogue", field="sku", rule="I1") from None
        return sku

    def list_skus(self) -> list[Sku]:
        topic = get_topic(Sku.Catalogued)
        notifications = self.recorder.select_notifications(start=1, limit=100_000, topics=[topic])
        return [self.repository.get(uuid.UUID(str(n.originator_id))) for n in notifications]

    def get_reservation(self, order_id: str) -> Reservation | None:
        try:
            reservation: Reservation = self.repository.get(reservation_id(order_id))
        except AggregateNotFoundError:
            return None
        return reservation

    # --- incoming -----------------------------------------------------------------------------
    def on_order_placed(self, envelope: Envelope, pe: ProcessingEvent[uuid.UUID]) -> None:
        order_id, asked = order_placed_lines(envelope)
        if self.get_reservation(order_id) is not None:
            return
        lines: list[dict[str, Any]] = []
        for code, quantity in asked:
            try:
                sku: Sku = self.load(sku_id(code), pe)
            except AggregateNotFoundError:
                lines.append({"sku": code, "asked": quantity, "reserved": 0, "short": quantity})
                continue
            granted = sku.reserve_up_to(order_id, quantity)
            pe.collect_events(sku)
            lines.append({"sku": code, "asked": quantity, "reserved": granted, "short": quantity - granted})
        pe.collect_events(Reservation(order_id=order_id, lines=lines))

    handlers: ClassVar[dict[str, Handler]] = {"OrderPlaced": on_order_placed}
