"""How the orders service reacts to the other services' events (O4 status machine, I3, P7, S2-S4).

A transition the rules forbid is refused and recorded nowhere (logged, not dead-lettered): the
event is a fact elsewhere (a late payment, a duplicate capture) that changes nothing here."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.orders.adapters import inbound
from services.orders.domain import status as st
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from services.orders.domain.errors import OrderNotFound, TransitionRefused
from services.orders.domain.order import Order
from shared.events import Envelope
from shared.runtime.timers import Timer

if TYPE_CHECKING:
    from services.orders.application.app import OrdersApplication

log = logging.getLogger("hallmark.orders")
PE = ProcessingEvent[uuid.UUID]
PICKING_SLA = "picking-sla"


def _order(app: OrdersApplication, order_id: str, pe: PE) -> Order:
    try:
        order: Order = app.load(uuid.UUID(order_id), pe)
    except AggregateNotFoundError:
        raise OrderNotFound(f"event for unknown order {order_id}", field="payload.order_id", rule="O4") from None
    return order


def on_order(func: Callable[[OrdersApplication, Order, Any, PE], None]) -> Callable[..., None]:
    """Load the order the event names, apply `func`, collect the result; refused steps record nothing."""

    @wraps(func)
    def handle(app: OrdersApplication, envelope: Envelope, pe: PE) -> None:
        payload = inbound.payload(envelope)
        order = _order(app, payload.order_id, pe)
        try:
            func(app, order, payload, pe)
        except TransitionRefused as exc:
            log.warning(
                "transition refused",
                extra={"order_id": payload.order_id, "event_type": envelope.event_type, "reason": str(exc)},
            )
            return
        pe.collect_events(order)

    return handle


@on_order
def on_payment_failed(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.record_payment_failure(purpose=payload.purpose, reason=payload.reason, at=payload.failed_at)


def on_sku_catalogued(app: OrdersApplication, envelope: Envelope, pe: PE) -> None:
    listing = inbound.listing(envelope)
    try:
        entry: CatalogueEntry = app.load(entry_id(listing["sku"]), pe)
    except AggregateNotFoundError:
        pe.collect_events(CatalogueEntry(**listing))
        return
    details = {k: v for k, v in listing.items() if k != "sku"}
    if any(getattr(entry, k) != v for k, v in details.items()):
        entry.relist(**details)
        pe.collect_events(entry)


@on_order
def on_stock_reserved(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    if order.reservation:
        return
    lines = [line.model_dump() for line in payload.lines]
    order.record_reservation(lines=lines, at=payload.reserved_at)
    short = {line.sku: line.asked - line.short for line in payload.lines if line.short}
    if short and order.status in st.CHANGEABLE:
        order.reduce(short, reason="not in stock when the order was placed", at=payload.reserved_at)


@on_order
def on_shortfall(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    quantities = {line.sku: line.asked - line.short for line in payload.lines}
    order.reduce(quantities, reason=f"stock shortfall after confirmation: {payload.reason}", at=payload.reduced_at)


def _paid(method: str) -> Callable[[OrdersApplication, Order, Any, PE], None]:
    def apply(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
        at = getattr(payload, "captured_at", None) or getattr(payload, "received_at", None) or payload.debited_at
        purpose = getattr(payload, "purpose", "goods")
        if purpose == "shipping":
            order.pay_shipping(payload.amount.amount_minor, at)
            return
        order.confirm(getattr(payload, "method", method), payload.amount.amount_minor, app.policy_version, at)
        assert app.timers is not None
        app.timers.schedule(pe, PICKING_SLA, order.order_id, at + app.picking_sla)

    return on_order(apply)


@on_order
def on_refund(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.record_refund(amount_minor=payload.amount.amount_minor, reason=payload.reason, at=payload.issued_at)


@on_order
def on_picking_started(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.start_processing(at=payload.started_at)


@on_order
def on_goods_prepared(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.finish_picking(weight_grams=payload.weight_grams, at=payload.prepared_at)


@on_order
def on_shipping_quoted(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.quote_shipping(carrier=payload.carrier, cost_minor=payload.cost.amount_minor, at=payload.quoted_at)


@on_order
def on_dispatched(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.dispatch(carrier=payload.carrier, tracking_number=payload.tracking_number, at=payload.dispatched_at)


@on_order
def on_delivered(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.deliver(signed_by=payload.signed_by, at=payload.delivered_at)


@on_order
def on_receipt_confirmed(app: OrdersApplication, order: Order, payload: Any, pe: PE) -> None:
    order.confirm_receipt(at=payload.confirmed_at)


def on_picking_sla_due(app: OrdersApplication, timer: Timer, pe: PE) -> None:
    """O6: picking had to finish within the SLA of confirmation; record a breach if it did not."""
    order = _order(app, timer.target, pe)
    if order.breach_picking_sla(due_at=timer.due_at, at=app.clock.now()):
        pe.collect_events(order)


HANDLERS: dict[str, Any] = {
    "SkuCatalogued": on_sku_catalogued,
    "StockReserved": on_stock_reserved,
    "StockShortfallReduced": on_shortfall,
    "PaymentCaptured": _paid("card"),
    "PaymentVoucherReceived": _paid("bank_transfer"),
    "DepositDebited": _paid("deposit"),
    "RefundIssued": on_refund,
    "PaymentFailed": on_payment_failed,
    "PickingStarted": on_picking_started,
    "GoodsPrepared": on_goods_prepared,
    "ShippingQuoted": on_shipping_quoted,
    "ParcelDispatched": on_dispatched,
    "ParcelDelivered": on_delivered,
    "ReceiptConfirmed": on_receipt_confirmed,
}
TIMERS: dict[str, Any] = {PICKING_SLA: on_picking_sla_due}
