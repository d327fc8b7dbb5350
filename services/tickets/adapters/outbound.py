"""Tickets domain events -> integration events on `tickets.events` (keyed by the order id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.tickets.adapters.references import tagged
from services.tickets.domain.ticket import Ticket
from shared.events import Money
from shared.events import tickets as contract
from shared.runtime.translate import Outbound, context_of


def translate(domain_event: Any) -> Outbound | None:
    found = _BUILDERS.get(type(domain_event))
    if found is None:
        return None
    event_type, build = found
    context = context_of(domain_event)  # order, customer and kind of the ticket (TicketsApplication.event_context)
    return event_type, build(domain_event, str(domain_event.originator_id), context), context["order_id"]


def _opened(e: Any, ticket_id: str, ctx: dict[str, Any]) -> BaseModel:
    return contract.TicketOpened(
        ticket_id=ticket_id, order_id=e.order_id, customer_id=e.customer_id, kind=e.kind, opened_at=e.at
    )


def _breached(e: Any, ticket_id: str, ctx: dict[str, Any]) -> BaseModel:
    return contract.TicketSlaBreached(
        ticket_id=ticket_id,
        order_id=ctx["order_id"],
        customer_id=ctx["customer_id"],
        message_number=e.message_number,
        message_at=e.message_at,
        due_at=e.due_at,
        breached_at=e.at,
    )


def _auto_closed(e: Any, ticket_id: str, ctx: dict[str, Any]) -> BaseModel:
    return contract.TicketAutoClosed(ticket_id=ticket_id, order_id=ctx["order_id"], closed_at=e.at)


def _resolved(e: Any, ticket_id: str, ctx: dict[str, Any]) -> BaseModel:
    return contract.TicketResolved(
        ticket_id=ticket_id,
        order_id=ctx["order_id"],
        customer_id=ctx["customer_id"],
        kind=ctx["kind"],
        outcome=e.outcome,
        reason=e.reason,
        resolved_by=e.actor,
        resolved_at=e.at,
    )


def _refund_requested(e: Any, ticket_id: str, ctx: dict[str, Any]) -> BaseModel:
    return contract.TicketRefundRequested(
        refund_id=e.refund_id,
        ticket_id=ticket_id,
        order_id=ctx["order_id"],
        customer_id=ctx["customer_id"],
        purpose=e.purpose,
        amount=Money(amount_minor=e.amount_minor, currency=e.currency),
        reason=tagged(e.reason, e.refund_id),
        requested_at=e.at,
    )


_BUILDERS: dict[type[Any], tuple[str, Callable[[Any, str, dict[str, Any]], BaseModel]]] = {
    Ticket.Opened: ("TicketOpened", _opened),
    Ticket.SlaBreached: ("TicketSlaBreached", _breached),
    Ticket.AutoClosed: ("TicketAutoClosed", _auto_closed),
    Ticket.Resolved: ("TicketResolved", _resolved),
    Ticket.RefundRequested: ("TicketRefundRequested", _refund_requested),
}
