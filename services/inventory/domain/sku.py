"""A SKU of the catalogue and its stock: on hand, held for carts (I1) and reserved for orders (I2).

The SKU is the consistency boundary of I2. Every change to what is held or reserved of it is an
event of this one aggregate, decided against its current state; the store accepts an aggregate's
next version once (optimistic concurrency), so a writer that decided on a stale state fails and
decides again. Hence held + reserved <= on_hand after every event. When a count or a damaged
batch lowers stock below that (I3), holds give way first, then the newest reservations, in the
same event.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.inventory.domain.errors import InventoryError, NotEnoughStock, StockWouldGoNegative
from services.inventory.domain.values import Hold

SKU_NAMESPACE = uuid.UUID("a9e3c7f4-5d7b-4f0e-8a7c-3c1d2b4e5f60")


class Sku(Aggregate):
    """One stock-keeping unit: its listing, stock on hand, holds (by id) and reservations (by order)."""

    class_version = 2
    """Snapshots: v1 kept each hold as a dict, v2 as a Hold."""

    Catalogued: ClassVar[type[Any]]
    Relisted: ClassVar[type[Any]]
    StockReceived: ClassVar[type[Any]]
    StockAdjusted: ClassVar[type[Any]]
    HoldPlaced: ClassVar[type[Any]]
    HoldReleased: ClassVar[type[Any]]
    Reserved: ClassVar[type[Any]]
    ReservationReleased: ClassVar[type[Any]]
    Picked: ClassVar[type[Any]]
    Restocked: ClassVar[type[Any]]

    @event("Catalogued")
    def __init__(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> None:
        self.code = code
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams
        self.on_hand = on_hand
        self.holds: dict[str, Hold] = {}
        """hold id -> whose, how many, until when; in the order they were placed."""
        self.reservations: dict[str, int] = {}
        """order id -> quantity reserved and not yet picked; in the order they were first made."""

    @staticmethod
    def create_id(code: str, **_: Any) -> uuid.UUID:
        return sku_id(code)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["holds"] = {hold_id: Hold(**hold) for hold_id, hold in state["holds"].items()}

    # --- derived values -------------------------------------------------------------------------
    @property
    def held(self) -> int:
        return sum(hold.quantity for hold in self.holds.values())

    @property
    def reserved(self) -> int:
        return sum(self.reservations.values())

    @property
    def available(self) -> int:
        """What can still be held or reserved: on hand less holds and reservations (never below 0)."""
        return self.on_hand - self.held - self.reserved

    def holds_of(self, customer_id: str) -> dict[str, Hold]:
        return {hold_id: hold for hold_id, hold in self.holds.items() if hold.customer_id == customer_id}

    def check_available(self, quantity: int, field: str = "quantity") -> None:
        if quantity > self.available:
            raise NotEnoughStock(
                f"{self.code}: only {self.available} available, asked for {quantity}", field=field, rule="I2"
            )

    # --- catalogue and stock (ops) ----------------------------------------------------------------
    def relist(self, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> bool:
        """Change the listing; False (and no event) if nothing would change."""
        listing = (name, unit_price_minor, currency, moq, weight_grams)
        if listing == (self.name, self.unit_price_minor, self.currency, self.moq, self.weight_grams):
            return False
        self._relist(self.code, name, unit_price_minor, currency, moq, weight_grams)
        return True

    @event("Relisted")
    def _relist(self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> None:
        self.name = name
        self.unit_price_minor = unit_price_minor
        self.currency = currency
        self.moq = moq
        self.weight_grams = weight_grams

    def receive(self, quantity: int, reference: str, by: str) -> None:
        if quantity <= 0:
            raise InventoryError("a receipt must add at least 1", field="quantity", rule="X3")
        self._receive(quantity=quantity, reference=reference, by=by)

    @event("StockReceived")
    def _receive(self, quantity: int, reference: str, by: str) -> None:
        self.on_hand += quantity

    def adjust(self, on_hand: int, reason: str, by: str, field: str) -> dict[str, int]:
        """Set stock on hand (a count, a damaged batch). If less than is held and reserved, holds give
        way, newest first, then reservations, newest first (first come, first served); returns
        how much each order's reservation was cut."""
        if on_hand < 0:
            raise StockWouldGoNegative(
                f"{self.code}: {self.on_hand} on hand; this would leave {on_hand}, and stock cannot go below 0",
                field=field,
                rule="I2",
            )
        excess = self.held + self.reserved - on_hand
        holds_cut = _newest_first({k: h.quantity for k, h in self.holds.items()}, excess)
        orders_cut = _newest_first(self.reservations, excess - sum(holds_cut.values()))
        self._adjust(
            on_hand_before=self.on_hand,
            on_hand_after=on_hand,
            reason=reason,
            by=by,
            holds_cut=holds_cut,
            reservations_cut=orders_cut,
        )
        return orders_cut

    @event("StockAdjusted")
    def _adjust(
        self,
        on_hand_before: int,
        on_hand_after: int,
        reason: str,
        by: str,
        holds_cut: dict[str, int],
        reservations_cut: dict[str, int],
    ) -> None:
        self.on_hand = on_hand_after
        for hold_id, cut in holds_cut.items():
            left = self.holds[hold_id].quantity - cut
            if left:
                self.holds[hold_id] = replace(self.holds[hold_id], quantity=left)
            else:
                del self.holds[hold_id]
        for order_id, cut in reservations_cut.items():
            self._shrink(order_id, cut)

    # --- holds (I1) -------------------------------------------------------------------------------
    def place_hold(self, hold_id: str, customer_id: str, quantity: int, expires_at: datetime) -> None:
        """Hold stock for a customer's cart until `expires_at`; refused if not that much is available (I2)."""
        self.check_available(quantity)
        self._place_hold(hold_id=hold_id, customer_id=customer_id, quantity=quantity, expires_at=expires_at)

    @event("HoldPlaced")
    def _place_hold(self, hold_id: str, customer_id: str, quantity: int, expires_at: datetime) -> None:
        self.holds[hold_id] = Hold(customer_id, quantity, expires_at)

    def release_hold(self, hold_id: str, reason: str) -> int:
        """Free a hold (expired, released by the customer); 0 if it is no longer there."""
        hold = self.holds.get(hold_id)
        if hold is None:
            return 0
        self._release_hold(hold_id=hold_id, quantity=hold.quantity, reason=reason)
        return hold.quantity

    @event("HoldReleased")
    def _release_hold(self, hold_id: str, quantity: int, reason: str) -> None:
        del self.holds[hold_id]

    # --- reservations (I2), picking and release (I4) -------------------------------------------------
    def reserve(self, order_id: str, customer_id: str, quantity: int) -> tuple[int, list[str]]:
        """Reserve for an order: the customer's holds on this SKU first (all of them end: the cart was
        checked out), then free stock, never more than there is (I2). Returns (granted, holds used)."""
        mine = self.holds_of(customer_id)
        from_holds = min(quantity, sum(hold.quantity for hold in mine.values()))
        granted = from_holds + min(quantity - from_holds, self.available)
        if granted or mine:
            self._reserve(order_id=order_id, quantity=granted, from_holds=from_holds, holds=list(mine))
        return granted, list(mine)

    @event("Reserved")
    def _reserve(self, order_id: str, quantity: int, from_holds: int, holds: list[str]) -> None:
        for hold_id in holds:
            del self.holds[hold_id]
        if quantity:
            self.reservations[order_id] = self.reservations.get(order_id, 0) + quantity

    def release(self, order_id: str, reason: str, quantity: int | None = None) -> int:
        """Put (some of) an order's reservation back; returns how much."""
        have = self.reservations.get(order_id, 0)
        released = have if quantity is None else min(quantity, have)
        if released > 0:
            self._release(order_id=order_id, quantity=released, reason=reason)
        return released

    @event("ReservationReleased")
    def _release(self, order_id: str, quantity: int, reason: str) -> None:
        self._shrink(order_id, quantity)

    def pick(self, order_id: str) -> int:
        """The order's reserved goods leave the shelf for its parcel; returns how many."""
        quantity = self.reservations.get(order_id, 0)
        if quantity:
            self._pick(order_id=order_id, quantity=quantity)
        return quantity

    @event("Picked")
    def _pick(self, order_id: str, quantity: int) -> None:
        self.on_hand -= quantity
        del self.reservations[order_id]

    @event("Restocked")
    def restock(self, order_id: str, quantity: int, reason: str) -> None:
        """Picked goods of a cancelled order go back on the shelf."""
        self.on_hand += quantity

    def _shrink(self, order_id: str, quantity: int) -> None:
        left = self.reservations[order_id] - quantity
        if left:
            self.reservations[order_id] = left
        else:
            del self.reservations[order_id]


def _newest_first(quantities: dict[str, int], excess: int) -> dict[str, int]:
    """How much to take from each entry, newest (last) first, to cover `excess`."""
    cuts: dict[str, int] = {}
    for key, quantity in reversed(quantities.items()):
        if excess <= 0:
            break
        cuts[key] = min(quantity, excess)
        excess -= cuts[key]
    return cuts


def sku_id(code: str) -> uuid.UUID:
    return uuid.uuid5(SKU_NAMESPACE, code)
