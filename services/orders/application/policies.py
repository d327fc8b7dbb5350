"""How the orders service reacts to the other services' events: the O4 status machine, I3, P7,
S1-S4, the picking SLA breach inventory times (O6, I4), and shipping's tariff coverage (S1). Its one
timer closes an unpaid order's payment window (O4, `expiry`).

A transition the rules forbid is refused and recorded nowhere (logged, not dead-lettered): the
event is a fact elsewhere (a late payment, a duplicate capture) that changes nothing here."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.orders.adapters import inbound
from services.orders.adapters.inbound import PaymentFact
from services.orders.application.expiry import PAYMENT_WINDOW, on_payment_window_closed
from services.orders.domain import status as st
from services.orders.domain.carriers import COVERAGE_ID, CarrierCoverage
from services.orders.domain.catalogue import CatalogueEntry, Listing, entry_id
from services.orders.domain.errors import OrderNotFound, TransitionRefused
from services.orders.domain.order import Order
from shared.events import Envelope
from shared.events import inventory as inv
from shared.events import payments as pay
from shared.events import shipping as ship
from shared.runtime.privacy import SEALED as SIGNATURE_AT_SHIPPING
from shared.runtime.store import Handler, NotYet
from shared.runtime.timers import TimerHandler

log = logging.getLogger("hallmark.orders")
PE = ProcessingEvent[uuid.UUID]


class OrdersPort(Protocol):
    """What the policies need of the orders application."""

    @property
    def policy_version(self) -> str: ...
    def load(self, aggregate_id: uuid.UUID, processing_event: PE | None = None) -> Any: ...


class AboutAnOrder(Protocol):
    @property
    def order_id(self) -> str: ...


F = TypeVar("F", bound=AboutAnOrder)
Step = Callable[[OrdersPort, Order, F, PE], None]


def _order(app: OrdersPort, order_id: str, pe: PE) -> Order:
    try:
        order: Order = app.load(uuid.UUID(order_id), pe)
    except AggregateNotFoundError:
        raise OrderNotFound(f"event for unknown order {order_id}", field="payload.order_id", rule="O4") from None
    return order


def on_order(decode: Callable[[Envelope], F]) -> Callable[[Step[F]], Handler]:
    """A handler: decode the fact, load the order it names, apply the step, collect the result;
    refused steps record nothing."""

    def register(step: Step[F]) -> Handler:
        @wraps(step)
        def handle(app: OrdersPort, envelope: Envelope, pe: PE) -> None:
            fact = decode(envelope)
            order = _order(app, fact.order_id, pe)
            try:
                step(app, order, fact, pe)
            except TransitionRefused as exc:
                log.warning(
                    "transition refused",
                    extra={"order_id": fact.order_id, "event_type": envelope.event_type, "reason": str(exc)},
                )
                return
            pe.collect_events(order)

        return handle

    return register


def on_sku_catalogued(app: OrdersPort, envelope: Envelope, pe: PE) -> None:
    listing: Listing = inbound.sku_catalogued(envelope)
    try:
        entry: CatalogueEntry = app.load(entry_id(listing.sku), pe)
    except AggregateNotFoundError:
        pe.collect_events(CatalogueEntry.from_listing(listing))
        return
    if entry.update(listing):
        pe.collect_events(entry)


def on_carrier_tariff(app: OrdersPort, envelope: Envelope, pe: PE) -> None:
    """S1: keep the coverage of shipping's newest tariff table (checkout checks the carrier on it)."""
    tariff = inbound.carrier_tariff(envelope)
    try:
        coverage: CarrierCoverage = app.load(COVERAGE_ID, pe)
    except AggregateNotFoundError:
        pe.collect_events(CarrierCoverage.first(tariff))
        return
    if coverage.take(tariff):
        pe.collect_events(coverage)


@on_order(inbound.stock_reserved)
def on_stock_reserved(app: OrdersPort, order: Order, reserved: inv.StockReserved, pe: PE) -> None:
    if order.reservation:
        return
    order.record_reservation(lines=[inbound.reserved_line(line) for line in reserved.lines], at=reserved.reserved_at)
    short = {line.sku: line.asked - line.short for line in reserved.lines if line.short}
    if short and order.status in st.CHANGEABLE:
        order.reduce(short, reason="not in stock when the order was placed", at=reserved.reserved_at)


@on_order(inbound.stock_shortfall)
def on_shortfall(app: OrdersPort, order: Order, shortfall: inv.StockShortfallReduced, pe: PE) -> None:
    quantities = {line.sku: line.asked - line.short for line in shortfall.lines}
    order.reduce(quantities, reason=f"stock shortfall after confirmation: {shortfall.reason}", at=shortfall.reduced_at)


def on_paid(app: OrdersPort, order: Order, paid: PaymentFact, pe: PE) -> None:
    """Goods (or a sample fee) paid: the order confirms once what was paid covers it and it is not held
    for review (inventory times picking from its OrderConfirmed, O6/I4); money arriving otherwise (held,
    partly paid, after a cancellation) is recorded. Shipping paid in full: P7."""
    if not paid.amount_minor:
        return
    if paid.purpose == "shipping":
        if paid.covered:
            order.pay_shipping(paid.amount_minor, paid.at)
        return
    order.receive_payment(paid.method, paid.amount_minor, app.policy_version, paid.at)


@on_order(inbound.refund_issued)
def on_refund(app: OrdersPort, order: Order, refund: pay.RefundIssued, pe: PE) -> None:
    """P6: money went back (a shortage, a cancellation, an after-sale ticket): recorded in any status,
    against the payment it came from (the goods or the shipping)."""
    amount, purpose = refund.amount.amount_minor, refund.purpose
    order.record_refund(amount_minor=amount, reason=refund.reason, at=refund.issued_at, purpose=purpose)


@on_order(inbound.held_for_review)
def on_held_for_review(app: OrdersPort, order: Order, held: pay.PaymentHeldForReview, pe: PE) -> None:
    """P5: drawn for a fraud check: the order shows it is held and does not confirm before ops decide."""
    order.hold_for_review(held.held_at)


@on_order(inbound.review_completed)
def on_review_completed(app: OrdersPort, order: Order, review: pay.PaymentReviewCompleted, pe: PE) -> None:
    """P5: approved, the order confirms if its payment came (else it waits for it); rejected, it is
    cancelled free and payments gives back what was paid in full. A decision on an order cancelled
    meanwhile changes nothing here (payments gives back what arrives for it)."""
    if review.approved:
        order.clear_review(app.policy_version, review.reviewed_at)
        return
    reason = f"rejected on review (P5): {review.note}"
    order.reject_on_review(reason, app.policy_version, review.reviewed_at)


@on_order(inbound.payment_failed)
def on_payment_failed(app: OrdersPort, order: Order, failed: pay.PaymentFailed, pe: PE) -> None:
    order.record_payment_failure(purpose=failed.purpose, reason=failed.reason, at=failed.failed_at)


@on_order(inbound.picking_started)
def on_picking_started(app: OrdersPort, order: Order, started: inv.PickingStarted, pe: PE) -> None:
    order.start_processing(at=started.started_at)


@on_order(inbound.goods_prepared)
def on_goods_prepared(app: OrdersPort, order: Order, prepared: inv.GoodsPrepared, pe: PE) -> None:
    order.finish_picking(weight_grams=prepared.weight_grams, at=prepared.prepared_at)


@on_order(inbound.picking_sla_breached)
def on_picking_sla_breached(app: OrdersPort, order: Order, breach: inv.PickingSlaBreached, pe: PE) -> None:
    """O6/I4: inventory owns the picking deadline; its breach is shown on the order."""
    order.breach_picking_sla(confirmed_at=breach.confirmed_at, due_at=breach.due_at, at=breach.breached_at)


@on_order(inbound.shipping_quote_refused)
def on_quote_refused(app: OrdersPort, order: Order, refused: ship.ShippingQuoteRefused, pe: PE) -> None:
    """S1: no quote can be made (e.g. a parcel too heavy for the carrier): the customer sees why."""
    order.record_shipping_problem(inbound.shipping_problem(refused))


@on_order(inbound.shipping_quoted)
def on_shipping_quoted(app: OrdersPort, order: Order, quote: ship.ShippingQuoted, pe: PE) -> None:
    if order.status == st.CONFIRMED or (order.status == st.PENDING_PAYMENT and order.confirmed_at is not None):
        # shipping quotes prepared goods: inventory.events (PickingStarted) is behind shipping.events here
        raise NotYet(f"order {quote.order_id}: quoted before orders has seen its picking start")
    order.quote_shipping(carrier=quote.carrier, cost_minor=quote.cost.amount_minor, at=quote.quoted_at)


@on_order(inbound.parcel_dispatched)
def on_dispatched(app: OrdersPort, order: Order, parcel: ship.ParcelDispatched, pe: PE) -> None:
    if order.status == st.AWAITING_SHIPPING_PAYMENT and not (order.shipping and order.shipping.paid):
        # shipping dispatches only once paid (S2): payments.events is behind shipping.events here
        raise NotYet(f"order {parcel.order_id}: dispatched before orders has seen the shipping payment")
    order.dispatch(carrier=parcel.carrier, tracking_number=parcel.tracking_number, at=parcel.dispatched_at)


@on_order(inbound.parcel_delivered)
def on_delivered(app: OrdersPort, order: Order, parcel: ship.ParcelDelivered, pe: PE) -> None:
    order.deliver(signed_by=parcel.signed_by or SIGNATURE_AT_SHIPPING, at=parcel.delivered_at)


@on_order(inbound.receipt_confirmed)
def on_receipt_confirmed(app: OrdersPort, order: Order, receipt: ship.ReceiptConfirmed, pe: PE) -> None:
    order.confirm_receipt(at=receipt.confirmed_at)


POLICIES: dict[str, Handler] = {
    "SkuCatalogued": on_sku_catalogued,
    "CarrierTariffPublished": on_carrier_tariff,
    "StockReserved": on_stock_reserved,
    "StockShortfallReduced": on_shortfall,
    "PaymentCaptured": on_order(inbound.payment_captured)(on_paid),
    "PaymentVoucherReceived": on_order(inbound.voucher_received)(on_paid),
    "DepositDebited": on_order(inbound.deposit_debited)(on_paid),
    "RefundIssued": on_refund,
    "PaymentFailed": on_payment_failed,
    "PaymentSettled": on_order(inbound.payment_settled)(on_paid),
    "PickingStarted": on_picking_started,
    "GoodsPrepared": on_goods_prepared,
    "PickingSlaBreached": on_picking_sla_breached,
    "ShippingQuoteRefused": on_quote_refused,
    "ShippingQuoted": on_shipping_quoted,
    "ParcelDispatched": on_dispatched,
    "ParcelDelivered": on_delivered,
    "ReceiptConfirmed": on_receipt_confirmed,
    "PaymentHeldForReview": on_held_for_review,
    "PaymentReviewCompleted": on_review_completed,
}
TIMERS: dict[str, TimerHandler] = {PAYMENT_WINDOW: on_payment_window_closed}
"""picking-sla timers stored before inventory owned the deadline fire and do nothing."""
