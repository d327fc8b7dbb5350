"""The inventory application: one method per use case (catalogue and stock, holds, picking)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from services.inventory.application import incoming
from services.inventory.application.base import HOLD_EXPIRY, PICKING_SLA, InventoryBase, hold_target
from services.inventory.domain.errors import (
    HoldNotFound,
    InvalidAdjustment,
    InvalidParcelWeight,
    PickingRefused,
    SkuAlreadyCatalogued,
)
from services.inventory.domain.holds import CustomerHolds, customer_holds_id
from services.inventory.domain.reservation import PICKING, Reservation
from services.inventory.domain.sku import Sku, sku_id
from shared.runtime.store import Handler
from shared.runtime.timers import Timer, TimerHandler


@dataclass(frozen=True)
class HoldView:
    hold_id: str
    sku: str
    customer_id: str
    quantity: int
    expires_at: datetime


@dataclass(frozen=True)
class Adjustment:
    """A stock correction and the orders it cut short (I3), with their StockShortfallReduced lines."""

    sku: Sku
    shortfalls: list[dict[str, Any]]


class InventoryApplication(InventoryBase):
    # --- catalogue and stock (ops) ----------------------------------------------------------------
    def catalogue(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> bool:
        """Add a SKU unless it is there already (the demo seed); True if it was added."""
        try:
            self.add_sku(code, name, unit_price_minor, currency, moq, weight_grams, on_hand)
        except SkuAlreadyCatalogued:
            return False
        return True

    def add_sku(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> Sku:
        """Put a new SKU in the catalogue with its stock on hand."""

        def attempt() -> tuple[Sku, list[Any]]:
            if sku_id(code) in self.repository:
                raise SkuAlreadyCatalogued(f"{code} is in the catalogue already", field="sku", rule="I1")
            sku = Sku(
                code=code,
                name=name,
                unit_price_minor=unit_price_minor,
                currency=currency,
                moq=moq,
                weight_grams=weight_grams,
                on_hand=on_hand,
            )
            return sku, [sku]

        return self.commit([code], attempt)

    def relist(self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> Sku:
        """Change a SKU's listing (name, price, MOQ, unit weight); published as SkuCatalogued."""

        def attempt() -> tuple[Sku, list[Any]]:
            sku = self.get_sku(code)
            sku.relist(name, unit_price_minor, currency, moq, weight_grams)
            return sku, [sku]

        return self.commit([code], attempt)

    def receive_stock(self, code: str, quantity: int, reference: str, by: str) -> Sku:
        """Goods arrived: stock on hand goes up."""

        def attempt() -> tuple[Sku, list[Any]]:
            sku = self.get_sku(code)
            sku.receive(quantity, reference, by)
            return sku, [sku]

        return self.commit([code], attempt)

    def adjust_stock(
        self, code: str, reason: str, by: str, *, counted: int | None = None, change: int | None = None
    ) -> Adjustment:
        """Correct stock on hand to a count or by a change (a damaged batch). Below what is held and
        reserved, holds give way, then the newest reservations; each order cut is told (I3)."""
        if (counted is None) == (change is None):
            raise InvalidAdjustment(
                "give either counted (a new count) or change (e.g. -5 for a damaged batch)", field="counted", rule="X3"
            )
        if change == 0:
            raise InvalidAdjustment("a change of 0 changes nothing", field="change", rule="X3")

        def attempt() -> tuple[Adjustment, list[Any]]:
            sku = self.get_sku(code)
            target = counted if counted is not None else sku.on_hand + (change or 0)
            holds_before = set(sku.holds)
            cuts = sku.adjust(target, reason, by, field="counted" if counted is not None else "change")
            ended = [self.cancel_timer(HOLD_EXPIRY, hold_target(code, h)) for h in holds_before - set(sku.holds)]
            shortfalls, reservations = [], []
            for order_id, cut in cuts.items():
                reservation = self.reservation(order_id)
                line = reservation.shortfall_line(code, cut)
                reservation.record_shortfall([line], reason, self.clock.now())
                shortfalls.append({"order_id": order_id, **line})
                reservations.append(reservation)
            return Adjustment(sku, shortfalls), [sku, *reservations, *ended]

        return self.commit([code], attempt)

    # --- holds (I1) ---------------------------------------------------------------------------------
    def place_hold(self, customer_id: str, code: str, quantity: int) -> HoldView:
        """Hold stock for a customer's cart until the hold TTL passes; refused beyond availability (I2)."""
        hold_id = str(uuid.uuid4())

        def attempt() -> tuple[HoldView, list[Any]]:
            sku = self.get_sku(code)
            expires_at = self.clock.now() + self.hold_ttl
            sku.place_hold(hold_id, customer_id, quantity, expires_at)
            index = self.find(customer_holds_id(customer_id)) or CustomerHolds(customer_id=customer_id)
            index.note(code)
            timer = Timer(kind=HOLD_EXPIRY, target=hold_target(code, hold_id), due_at=expires_at)
            return HoldView(hold_id, code, customer_id, quantity, expires_at), [sku, index, timer]

        return self.commit([code], attempt)

    def holds_of(self, customer_id: str) -> list[HoldView]:
        """A customer's active holds, oldest first per SKU."""
        index = self.find(customer_holds_id(customer_id))
        views = []
        for code in index.skus if index else []:
            for hold_id, hold in self.get_sku(code).holds_of(customer_id).items():
                views.append(HoldView(hold_id, code, customer_id, hold["quantity"], hold["expires_at"]))
        return views

    def release_hold(self, customer_id: str, hold_id: str) -> HoldView:
        """The customer lets a hold go before it expires; its stock is free again."""
        found = [view for view in self.holds_of(customer_id) if view.hold_id == hold_id]
        if not found:
            raise HoldNotFound(f"you have no active hold {hold_id}", field="hold_id", rule="I1")
        view = found[0]

        def attempt() -> tuple[HoldView, list[Any]]:
            sku = self.get_sku(view.sku)
            if not sku.release_hold(hold_id, "released by the customer"):
                raise HoldNotFound(f"hold {hold_id} ended meanwhile", field="hold_id", rule="I1")
            return view, [sku, self.cancel_timer(HOLD_EXPIRY, hold_target(view.sku, hold_id))]

        return self.commit([view.sku], attempt)

    # --- picking (I4) -------------------------------------------------------------------------------
    def start_picking(self, order_id: str, by: str) -> Reservation:
        """Start picking a confirmed order; PickingStarted moves the order to Processing."""

        def attempt() -> tuple[Reservation, list[Any]]:
            reservation = self.reservation(order_id)
            reservation.start_picking(self.clock.now(), by)
            return reservation, [reservation]

        return self.commit([], attempt)

    def finish_picking(self, order_id: str, by: str, weight_grams: int | None = None) -> Reservation:
        """Finish picking: the goods leave the shelf and the parcel weight (measured, or unit weights
        times quantities) goes to shipping as GoodsPrepared."""
        codes = list(self.reservation(order_id).reserved)

        def attempt() -> tuple[Reservation, list[Any]]:
            reservation = self.reservation(order_id)
            reservation.check_status("finish picking", PICKING)
            skus = [self.get_sku(code) for code, quantity in reservation.reserved.items() if quantity]
            picked = {sku.code: sku.pick(order_id) for sku in skus}
            if not any(picked.values()):
                raise PickingRefused("nothing is reserved for this order to pick", field="order_id", rule="I4")
            weight = weight_grams or sum(sku.weight_grams * picked[sku.code] for sku in skus)
            if weight <= 0:
                raise InvalidParcelWeight(
                    "the unit weights give 0 g: send the measured weight_grams", field="weight_grams", rule="I4"
                )
            reservation.prepare(weight, weight_grams is not None, picked, self.clock.now(), by)
            return reservation, [*skus, reservation, self.cancel_timer(PICKING_SLA, order_id)]

        return self.commit(codes, attempt)

    handlers: ClassVar[dict[str, Handler]] = incoming.HANDLERS
    timer_handlers: ClassVar[dict[str, TimerHandler]] = incoming.TIMERS
