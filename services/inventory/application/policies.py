"""How inventory reacts to the orders service's events, and to its own timers.

A cart line changed: the customer's hold on that product follows it, as far as there is stock (I1);
a cart checked out: holds left above what its order reserved end. OrderPlaced reserves (the
customer's holds first, then free stock; a partial reservation states the shortage);
OrderConfirmed opens picking and its SLA timer; OrderChanged (O7) follows the new quantities;
OrderCancelled and OrderExpired put the stock back. Hold expiry frees a hold (I1); the picking SLA
timer records a breach (I4)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from eventsourcing.application import ProcessingEvent

from services.inventory.adapters import inbound
from services.inventory.domain.errors import UnknownSku
from services.inventory.domain.holds import CustomerHolds, customer_holds_id
from services.inventory.domain.reservation import OPEN, PREPARED, Reservation
from services.inventory.domain.sku import Sku
from services.inventory.domain.values import ReservedLine
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import Attempt
from shared.runtime.timers import Timer, TimerService, timer_id

log = logging.getLogger("hallmark.inventory")
PE = ProcessingEvent[uuid.UUID]
T = TypeVar("T")

HOLD_EXPIRY = "hold-expiry"
PICKING_SLA = "picking-sla"


def hold_target(code: str, hold_id: str) -> str:
    """The timer target of a hold: its SKU and id (a SKU code never holds the uuid's '/')."""
    return f"{code}/{hold_id}"


class InventoryPort(Protocol):
    """What the policies need of the inventory application."""

    picking_sla: timedelta
    hold_ttl: timedelta
    timers: TimerService | None
    clock: Clock

    def get_sku(self, code: str, pe: PE | None = None) -> Sku: ...

    def get_reservation(self, order_id: str, pe: PE | None = None) -> Reservation | None: ...

    def find(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Any: ...

    def write(self, codes: list[str], attempt: Attempt[T]) -> T: ...


def cancel_timer(app: InventoryPort, kind: str, target: str, pe: PE | None = None) -> Timer | None:
    """A pending timer that is no longer needed (its hold ended, its order left the shelf), cancelled;
    None if there is none pending."""
    timer = app.find(timer_id(kind, target), pe)
    if not isinstance(timer, Timer) or timer.fired_at is not None or timer.cancelled:
        return None
    timer.cancel()
    return timer


def _reserve(app: InventoryPort, sku: Sku, order_id: str, customer_id: str, quantity: int, pe: PE) -> int:
    """Reserve on one SKU (holds first); the holds used end, and so do their expiry timers."""
    granted, holds = sku.reserve(order_id, customer_id, quantity)
    pe.collect_events(sku, *(cancel_timer(app, HOLD_EXPIRY, hold_target(sku.code, h), pe) for h in holds))
    return granted


def on_order_placed(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    order = inbound.order_placed(envelope)
    if app.get_reservation(order.order_id, pe) is not None:
        return
    lines: list[ReservedLine] = []
    for code, quantity in order.lines:
        try:
            sku = app.get_sku(code, pe)
        except UnknownSku:
            granted = 0
        else:
            granted = _reserve(app, sku, order.order_id, order.customer_id, quantity, pe)
        lines.append(ReservedLine(sku=code, asked=quantity, reserved=granted, short=quantity - granted))
    pe.collect_events(Reservation(order_id=order.order_id, lines=lines, customer_id=order.customer_id))


def on_order_confirmed(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    order = inbound.order_confirmed(envelope)
    reservation = app.get_reservation(order.order_id, pe)
    if reservation is None:
        log.warning("confirmation of an order inventory never saw", extra={"order_id": order.order_id})
        return
    due_at = order.at + app.picking_sla
    if reservation.confirm(order.at, due_at):
        pe.collect_events(reservation)
        assert app.timers is not None
        app.timers.schedule(pe, PICKING_SLA, order.order_id, due_at)


def on_order_changed(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    """O7: reserve more or release some so the reservation follows the new lines; what cannot be
    reserved is a shortfall (StockShortfallReduced), which brings the order down to what there is."""
    order = inbound.order_changed(envelope)
    reservation = app.get_reservation(order.order_id, pe)
    if reservation is None or reservation.status not in OPEN:
        log.warning("change of an order not on the shelf here", extra={"order_id": order.order_id})
        return
    wanted: dict[str, int] = {}
    for code, quantity in order.lines:
        wanted[code] = wanted.get(code, 0) + quantity
    now = dict(reservation.reserved)
    short: list[ReservedLine] = []
    for code in sorted(set(wanted) | set(now)):
        want, have = wanted.get(code, 0), now.get(code, 0)
        if want == have:
            continue
        try:
            sku = app.get_sku(code, pe)
        except UnknownSku:
            now[code] = 0
        else:
            if want < have:
                sku.release(order.order_id, order.reason, have - want)
                pe.collect_events(sku)
                now[code] = want
            else:
                now[code] = have + _reserve(app, sku, order.order_id, order.customer_id, want - have, pe)
        if now[code] < want:
            short.append(ReservedLine(sku=code, asked=want, reserved=now[code], short=want - now[code]))
    if now == reservation.reserved:
        return
    reservation.change({code: quantity for code, quantity in now.items() if quantity}, order.at)
    if short:
        reservation.record_shortfall(short, "not enough stock for the change", order.at)
    pe.collect_events(reservation)


def on_order_ended(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    """Cancelled or expired unpaid: reserved stock goes back (StockReleased); so do goods already picked."""
    order = inbound.order_ended(envelope)
    reservation = app.get_reservation(order.order_id, pe)
    if reservation is None:
        return
    picked = reservation.status == PREPARED
    for line in reservation.release(order.reason, order.at):
        sku = app.get_sku(line.sku, pe)
        if picked:
            sku.restock(order_id=order.order_id, quantity=line.quantity, reason=order.reason)
        else:
            sku.release(order.order_id, order.reason)
        pe.collect_events(sku)
    pe.collect_events(reservation, cancel_timer(app, PICKING_SLA, order.order_id, pe))


def _release_holds(app: InventoryPort, sku: Sku, customer_id: str, reason: str, pe: PE) -> None:
    for hold_id in list(sku.holds_of(customer_id)):
        sku.release_hold(hold_id, reason)
        pe.collect_events(sku, cancel_timer(app, HOLD_EXPIRY, hold_target(sku.code, hold_id), pe))


def on_cart_line_changed(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    """I1: the customer's hold on the product becomes what their cart holds of it, as far as there is
    stock, until the hold TTL passes (a new hold, with its own expiry timer, at each change)."""
    line = inbound.cart_line_changed(envelope)
    try:
        sku = app.get_sku(line.sku, pe)
    except UnknownSku:
        log.warning("cart line of an unknown SKU", extra={"sku": line.sku})
        return
    _release_holds(app, sku, line.customer_id, "the cart changed", pe)
    quantity = min(line.quantity, sku.available)
    if quantity > 0:
        expires_at = app.clock.now() + app.hold_ttl
        sku.place_hold(line.hold_id, line.customer_id, quantity, expires_at)
        index = app.find(customer_holds_id(line.customer_id), pe) or CustomerHolds(customer_id=line.customer_id)
        index.note(sku.code)
        pe.collect_events(sku, index)
        assert app.timers is not None
        app.timers.schedule(pe, HOLD_EXPIRY, hold_target(sku.code, line.hold_id), expires_at)
    if quantity < line.quantity:
        log.info("cart line held in part", extra={"sku": line.sku, "asked": line.quantity, "held": quantity})


def on_cart_checked_out(app: InventoryPort, envelope: Envelope, pe: PE) -> None:
    """I1: once the order is reserved (it took the customer's holds then), holds on its products that
    came after (a cart change that reached inventory late) end. Before that, the order will take them."""
    done = inbound.cart_checked_out(envelope)
    if app.get_reservation(done.order_id, pe) is None:
        return
    for code, _ in done.lines:
        try:
            sku = app.get_sku(code, pe)
        except UnknownSku:
            continue
        _release_holds(app, sku, done.customer_id, done.reason, pe)


def on_hold_expiry(app: InventoryPort, timer: Timer, pe: PE) -> None:
    """I1: the hold's stock is free again. Saved on its own, decided again on a conflict with the SKU's
    other writers (the timer's own firing is recorded after it; firing twice changes nothing)."""
    code, _, hold_id = timer.target.rpartition("/")

    def attempt() -> tuple[int, list[Sku]]:
        sku = app.get_sku(code)
        return sku.release_hold(hold_id, "expired"), [sku]

    try:
        app.write([code], attempt)
    except UnknownSku:
        log.warning("hold on an unknown SKU", extra={"target": timer.target})


def on_picking_sla_due(app: InventoryPort, timer: Timer, pe: PE) -> None:
    """I4: picking had to finish within the SLA of confirmation; record a breach if it did not."""

    def attempt() -> tuple[bool, list[Reservation]]:
        reservation = app.get_reservation(timer.target)
        if reservation is None:
            log.warning("picking SLA of an order inventory never saw", extra={"order_id": timer.target})
            return False, []
        return reservation.breach_picking_sla(app.clock.now()), [reservation]

    app.write([], attempt)


POLICIES: dict[str, Callable[[InventoryPort, Envelope, PE], None]] = {
    "OrderPlaced": on_order_placed,
    "OrderConfirmed": on_order_confirmed,
    "OrderChanged": on_order_changed,
    "OrderCancelled": on_order_ended,
    "OrderExpired": on_order_ended,
    "CartLineChanged": on_cart_line_changed,
    "CartCheckedOut": on_cart_checked_out,
}
TIMERS: dict[str, Callable[[InventoryPort, Timer, PE], None]] = {
    HOLD_EXPIRY: on_hold_expiry,
    PICKING_SLA: on_picking_sla_due,
}
