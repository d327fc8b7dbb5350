"""How the tickets service reacts to other services' events and to its own timers.

Orders, shipping and inventory facts build the order records that tickets are judged on (T1, T2,
T5); payments' refunds show on the ticket that asked for them. The timers record a missed reply
deadline (T3) and close a ticket the customer left (T4); a timer whose period was ended by a newer
message is stale and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from eventsourcing.application import ProcessingEvent

from services.tickets.adapters import inbound
from services.tickets.application import deadlines
from services.tickets.domain.catalogue import SkuWeight
from services.tickets.domain.order import OrderRecord
from services.tickets.domain.ticket import Ticket
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.privacy import SEALED
from shared.runtime.privacy.forget import forget_here
from shared.runtime.privacy.keys import KeyTable
from shared.runtime.timers import Timer

PE = ProcessingEvent[uuid.UUID]


class TicketsPort(Protocol):
    """What the policies need of the tickets application."""

    clock: Clock

    def order_record(self, order_id: str, pe: PE) -> OrderRecord: ...

    def known_order_record(self, order_id: str, pe: PE) -> OrderRecord | None: ...

    def known_ticket(self, ticket_id: uuid.UUID, pe: PE) -> Ticket | None: ...

    def sku_weight(self, sku: str, pe: PE) -> SkuWeight | None: ...

    @property
    def keys(self) -> KeyTable | None: ...

    def delete_photos_of(self, customer_id: str) -> int: ...


Policy = Callable[[TicketsPort, Envelope, PE], None]
TimerPolicy = Callable[[TicketsPort, Timer, PE], None]


# --- order facts ----------------------------------------------------------------------------------
def on_order_placed(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    fact = inbound.placed(envelope)
    record = app.order_record(fact.order_id, pe)
    record.place(customer_id=fact.customer_id, currency=fact.currency, lines=fact.lines, at=fact.at)
    pe.collect_events(record)


def on_order_changed(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    fact = inbound.changed(envelope)
    record = app.order_record(fact.order_id, pe)
    record.change_lines(lines=fact.lines, reason=fact.reason, at=fact.at)
    pe.collect_events(record)


def on_items_reduced(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    fact = inbound.reduced(envelope)
    record = app.order_record(fact.order_id, pe)
    if record.reduce(fact.quantities, fact.reason, fact.at):
        pe.collect_events(record)


def on_shipping_quoted(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    fact = inbound.quoted(envelope)
    record = app.order_record(fact.order_id, pe)
    record.quote_shipping(
        cost_minor=fact.cost_minor, currency=fact.currency, weight_grams=fact.weight_grams, at=fact.at
    )
    pe.collect_events(record)


def on_parcel_delivered(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """T2 counts from the instant the parcel was signed for."""
    fact = inbound.delivered(envelope)
    record = app.order_record(fact.order_id, pe)
    record.deliver(signed_by=fact.signed_by or SEALED, at=fact.delivered_at)  # X4: shipping keeps it sealed
    pe.collect_events(record)


def on_receipt_confirmed(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """T1: from now on the customer may open tickets on the order."""
    fact = inbound.receipt(envelope)
    record = app.order_record(fact.order_id, pe)
    if record.confirm_receipt(customer_id=fact.customer_id, at=fact.confirmed_at):
        pe.collect_events(record)


def on_sku_catalogued(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """The catalogue weight per SKU: a shortage's share of shipping is pro rata by weight (T5)."""
    fact = inbound.listing(envelope)
    known = app.sku_weight(fact.sku, pe)
    if known is None:
        pe.collect_events(SkuWeight(sku=fact.sku, weight_grams=fact.weight_grams))
    elif known.reweigh(fact.weight_grams):
        pe.collect_events(known)


def on_refund_issued(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """Payments carried out (part of) a ticket's refund request: the ticket shows it (T5, P6)."""
    fact = inbound.refunded(envelope)
    if fact.refund_id is None:
        return  # a refund no ticket asked for (a shortfall, a cancellation)
    record = app.known_order_record(fact.order_id, pe)
    request = record.refunds.get(fact.refund_id) if record else None
    ticket = app.known_ticket(uuid.UUID(request["ticket_id"]), pe) if request else None
    if ticket is not None and ticket.record_refund_issued(fact.refund_id, fact.amount_minor, fact.issued_at):
        pe.collect_events(ticket)


def on_refund_refused(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """Payments found nothing left to refund for a ticket's request: the ticket shows why (T5, P6)."""
    fact = inbound.refund_refused(envelope)
    record = app.known_order_record(fact.order_id, pe)
    request = record.refunds.get(fact.refund_id) if record else None
    ticket = app.known_ticket(uuid.UUID(request["ticket_id"]), pe) if request else None
    if ticket is not None and ticket.record_refund_refused(fact.refund_id, fact.reason, fact.refused_at):
        pe.collect_events(ticket)


# --- timers ---------------------------------------------------------------------------------------
def on_reply_sla_due(app: TicketsPort, timer: Timer, pe: PE) -> None:
    """T3: no staff reply within the reply SLA of customer message n: a breach ops can see."""
    ticket_id, number = deadlines.parse_target(timer.target)
    ticket = app.known_ticket(ticket_id, pe)
    if ticket is not None and ticket.breach_sla(number, at=app.clock.now()):
        pe.collect_events(ticket)


def on_auto_close_due(app: TicketsPort, timer: Timer, pe: PE) -> None:
    """T4: the customer did not answer staff reply n within the closing period: TicketAutoClosed."""
    ticket_id, number = deadlines.parse_target(timer.target)
    ticket = app.known_ticket(ticket_id, pe)
    if ticket is not None and ticket.auto_close(number, at=app.clock.now()):
        pe.collect_events(ticket)


def on_customer_forgotten(app: TicketsPort, envelope: Envelope, pe: PE) -> None:
    """X4: destroy tickets' keys of the customer (their tickets' texts read `[erased]`) and delete the
    photos of their tickets (rows outside the log, so they are simply deleted)."""
    fact = inbound.forgotten(envelope)
    forget_here(app, fact.customer_id, fact.forgotten_by)
    app.delete_photos_of(fact.customer_id)


POLICIES: dict[str, Policy] = {
    "OrderPlaced": on_order_placed,
    "OrderChanged": on_order_changed,
    "OrderItemsReduced": on_items_reduced,
    "ShippingQuoted": on_shipping_quoted,
    "ParcelDelivered": on_parcel_delivered,
    "ReceiptConfirmed": on_receipt_confirmed,
    "SkuCatalogued": on_sku_catalogued,
    "RefundIssued": on_refund_issued,
    "RefundRefused": on_refund_refused,
    "CustomerForgotten": on_customer_forgotten,
}
TIMERS: dict[str, TimerPolicy] = {
    deadlines.REPLY_SLA: on_reply_sla_due,
    deadlines.AUTO_CLOSE: on_auto_close_due,
}
