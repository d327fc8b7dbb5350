"""Orders use cases: place an order, read it; record what the other services report."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.orders.adapters import inbound
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from services.orders.domain.errors import OrderNotFound, UnknownProduct
from services.orders.domain.order import Order
from shared.events import Envelope
from shared.runtime.store import HallmarkApplication, Handler

ORDER_NAMESPACE = uuid.UUID("7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8")


class OrdersApplication(HallmarkApplication):
    service = "orders"

    def place_order(
        self, customer_id: str, lines: list[tuple[str, int]], idempotency_key: str | None = None
    ) -> uuid.UUID:
        """Place an order (PendingPayment); the same idempotency key returns the same order."""
        order_id = uuid.uuid5(ORDER_NAMESPACE, f"{customer_id}:{idempotency_key}") if idempotency_key else uuid.uuid4()
        if idempotency_key and self._exists(order_id):
            return order_id
        priced: list[dict[str, Any]] = []
        currency = None
        for index, (sku, quantity) in enumerate(lines):
            entry = self._entry(sku, index)
            currency = currency or entry.currency
            priced.append({"sku": sku, "quantity": quantity, "unit_price_minor": entry.unit_price_minor})
        total = sum(line["quantity"] * line["unit_price_minor"] for line in priced)
        order = Order(
            order_id=str(order_id),
            customer_id=customer_id,
            lines=priced,
            currency=currency or "USD",
            total_minor=total,
            placed_at=self.clock.now(),
        )
        try:
            self.save(order)
        except IntegrityError:
            if not self._exists(order_id):
                raise
        return order_id

    def get_order(self, order_id: uuid.UUID) -> Order:
        try:
            order: Order = self.repository.get(order_id)
        except AggregateNotFoundError:
            raise OrderNotFound(f"no order {order_id}", field="order_id", rule="O4") from None
        return order

    def _exists(self, order_id: uuid.UUID) -> bool:
        return order_id in self.repository

    def _entry(self, sku: str, index: int) -> CatalogueEntry:
        try:
            entry: CatalogueEntry = self.repository.get(entry_id(sku))
        except AggregateNotFoundError:
            raise UnknownProduct(
                f"no product {sku!r} in the catalogue", field=f"lines.{index}.sku", rule="O1"
            ) from None
        return entry

    # --- incoming -----------------------------------------------------------------------------
    def on_sku_catalogued(self, envelope: Envelope, pe: ProcessingEvent[uuid.UUID]) -> None:
        listing = inbound.listing(envelope)
        try:
            entry: CatalogueEntry = self.load(entry_id(listing["sku"]), pe)
        except AggregateNotFoundError:
            pe.collect_events(CatalogueEntry(**listing))
            return
        details = {k: v for k, v in listing.items() if k != "sku"}
        if any(getattr(entry, k) != v for k, v in details.items()):
            entry.relist(**details)
            pe.collect_events(entry)

    def on_stock_reserved(self, envelope: Envelope, pe: ProcessingEvent[uuid.UUID]) -> None:
        order_id, lines = inbound.reservation(envelope)
        try:
            order: Order = self.load(order_id, pe)
        except AggregateNotFoundError:
            raise OrderNotFound(
                f"StockReserved for unknown order {order_id}", field="payload.order_id", rule="O4"
            ) from None
        if order.reservation:
            return
        order.record_reservation(lines=lines, at=self.clock.now())
        pe.collect_events(order)

    handlers: ClassVar[dict[str, Handler]] = {
        "SkuCatalogued": on_sku_catalogued,
        "StockReserved": on_stock_reserved,
    }
