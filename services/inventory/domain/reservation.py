"""What inventory reserved for one order, and how its picking goes (I2-I4). One per order: the id
follows from the order id, so a redelivered OrderPlaced cannot make a second one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.inventory.domain.errors import PickingRefused
from services.inventory.domain.values import ReleasedLine, ReservedLine, Shortfall, upcast_lines

RESERVATION_NAMESPACE = uuid.UUID("c2f1e0d9-8b7a-4c6d-9e5f-4a3b2c1d0e9f")

RESERVED = "reserved"
CONFIRMED = "confirmed"
PICKING = "picking"
PREPARED = "prepared"
RELEASED = "released"
OPEN = (RESERVED, CONFIRMED, PICKING)
"""The order still has stock reserved on the shelf."""


class Reservation(Aggregate):
    Confirmed: ClassVar[type[Any]]
    Changed: ClassVar[type[Any]]
    PickingStarted: ClassVar[type[Any]]
    GoodsPrepared: ClassVar[type[Any]]
    PickingSlaBreached: ClassVar[type[Any]]

    # The events that carry lines are declared: v1 stored the lines as dicts, v2 as value objects.
    class Made(Aggregate.Created):
        class_version = 2
        upcast_v1_v2 = staticmethod(upcast_lines(ReservedLine))
        order_id: str
        lines: list[ReservedLine]
        customer_id: str

    class ShortfallRecorded(Aggregate.Event):
        class_version = 2
        upcast_v1_v2 = staticmethod(upcast_lines(ReservedLine))
        order_id: str
        lines: list[ReservedLine]
        reason: str
        at: datetime

    class Released(Aggregate.Event):
        class_version = 2
        upcast_v1_v2 = staticmethod(upcast_lines(ReleasedLine))
        order_id: str
        lines: list[ReleasedLine]
        reason: str
        at: datetime
        restocked: bool

    @event(Made)
    def __init__(self, order_id: str, lines: list[ReservedLine], customer_id: str = "") -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.lines = tuple(lines)
        """As published in StockReserved: per line asked, reserved, short."""
        self.reserved: dict[str, int] = {}
        for line in lines:
            self.reserved[line.sku] = self.reserved.get(line.sku, 0) + line.reserved
        self.status = RESERVED
        self.confirmed_at: datetime | None = None
        self.picking_due_at: datetime | None = None
        self.picking_started_at: datetime | None = None
        self.prepared_at: datetime | None = None
        self.weight_grams: int | None = None
        self.picked: dict[str, int] = {}
        self.shortfalls: list[Shortfall] = []
        self.sla_breached_at: datetime | None = None

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        return reservation_id(order_id)

    def check_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise PickingRefused(
                f"cannot {action}: the order is {self.status} here (needs {' or '.join(allowed)})",
                field="order_id",
                rule="I4",
            )

    # --- confirmation and changes from the orders service ---------------------------------------
    def confirm(self, at: datetime, picking_due_at: datetime) -> bool:
        """The order was confirmed: picking may start, and must finish by `picking_due_at` (I4)."""
        if self.status != RESERVED:
            return False
        self._confirm(order_id=self.order_id, confirmed_at=at, picking_due_at=picking_due_at)
        return True

    @event("Confirmed")
    def _confirm(self, order_id: str, confirmed_at: datetime, picking_due_at: datetime) -> None:
        self.status = CONFIRMED
        self.confirmed_at = confirmed_at
        self.picking_due_at = picking_due_at

    def change(self, reserved: dict[str, int], at: datetime) -> None:
        """An account manager changed the order's lines (O7); this is what is reserved now."""
        self._change(order_id=self.order_id, reserved=reserved, at=at)

    @event("Changed")
    def _change(self, order_id: str, reserved: dict[str, int], at: datetime) -> None:
        self.reserved = dict(reserved)

    def cut_short(self, sku: str, cut: int, reason: str, at: datetime) -> ReservedLine:
        """Stock of `sku` turned out missing (I3): `cut` fewer stay reserved. Returns the StockShortfallReduced
        line: asked = the order's quantity (what was reserved until now), short = cut."""
        asked = self.reserved.get(sku, 0)
        line = ReservedLine(sku=sku, asked=asked, reserved=asked - cut, short=cut)
        self.record_shortfall([line], reason, at)
        return line

    def record_shortfall(self, lines: list[ReservedLine], reason: str, at: datetime) -> None:
        """Stock turned out missing (I3): these lines now have only `reserved` of what was `asked`."""
        self._record_shortfall(order_id=self.order_id, lines=lines, reason=reason, at=at)

    @event(ShortfallRecorded)
    def _record_shortfall(self, order_id: str, lines: list[ReservedLine], reason: str, at: datetime) -> None:
        for line in lines:
            self.reserved[line.sku] = line.reserved
        self.shortfalls.append(Shortfall(tuple(lines), reason, at))

    def release(self, reason: str, at: datetime) -> list[ReleasedLine]:
        """The order was cancelled: what it holds goes back (picked goods too); [] if released already."""
        if self.status == RELEASED:
            return []
        held = self.picked if self.status == PREPARED else self.reserved
        lines = [ReleasedLine(sku, quantity) for sku, quantity in held.items() if quantity]
        self._release(order_id=self.order_id, lines=lines, reason=reason, at=at, restocked=self.status == PREPARED)
        return lines

    @event(Released)
    def _release(self, order_id: str, lines: list[ReleasedLine], reason: str, at: datetime, restocked: bool) -> None:
        self.status = RELEASED
        self.reserved = {}

    # --- picking (I4) ------------------------------------------------------------------------------
    def start_picking(self, at: datetime, by: str) -> None:
        self.check_status("start picking", CONFIRMED)
        self._start_picking(order_id=self.order_id, at=at, due_at=self.picking_due_at, by=by)

    @event("PickingStarted")
    def _start_picking(self, order_id: str, at: datetime, due_at: datetime | None, by: str) -> None:
        self.status = PICKING
        self.picking_started_at = at

    def prepare(self, weight_grams: int, measured: bool, picked: dict[str, int], at: datetime, by: str) -> None:
        """Picking finished: the parcel and its weight, which shipping quotes on."""
        self.check_status("finish picking", PICKING)
        self._prepare(order_id=self.order_id, weight_grams=weight_grams, measured=measured, picked=picked, at=at, by=by)

    @event("GoodsPrepared")
    def _prepare(
        self, order_id: str, weight_grams: int, measured: bool, picked: dict[str, int], at: datetime, by: str
    ) -> None:
        self.status = PREPARED
        self.weight_grams = weight_grams
        self.picked = dict(picked)
        self.reserved = {}
        self.prepared_at = at

    def breach_picking_sla(self, at: datetime) -> bool:
        """Record that picking did not finish in time, unless it did or the order ended (published as
        PickingSlaBreached: inventory owns the deadline, orders shows the breach)."""
        if self.status not in (CONFIRMED, PICKING) or self.sla_breached_at is not None:
            return False
        self._breach_picking_sla(
            order_id=self.order_id, due_at=self.picking_due_at, at=at, confirmed_at=self.confirmed_at
        )
        return True

    @event("PickingSlaBreached")
    def _breach_picking_sla(
        self, order_id: str, due_at: datetime | None, at: datetime, confirmed_at: datetime | None = None
    ) -> None:
        """`confirmed_at` is None in breaches recorded before they were published."""
        self.sla_breached_at = at


def reservation_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(RESERVATION_NAMESPACE, order_id)
