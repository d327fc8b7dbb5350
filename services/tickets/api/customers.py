"""Tickets HTTP routes everyone with access uses: customers open tickets and write; customers,
their account managers, ops and auditors read (X2: only the tickets they may see)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response

from services.tickets.api.models import MessageCreate, TicketCreate, TicketPublic
from services.tickets.application import TicketsApplication
from services.tickets.domain.errors import NotYours
from services.tickets.domain.ticket import Ticket
from shared.runtime.http.deps import AsOf, PrincipalDep, RuntimeDep, require
from shared.runtime.http.problems import problems
from shared.runtime.identity import Principal

router = APIRouter(tags=["tickets"])
Customer = Annotated[Principal, Depends(require("customer"))]
IdempotencyKey = Annotated[
    str | None, Header(max_length=128, description="Retries with the same key open one ticket / add one message")
]


def tickets_app(runtime: Any) -> TicketsApplication:
    app: TicketsApplication = runtime.app
    return app


async def visible_ticket(app: TicketsApplication, ticket_id: uuid.UUID, principal: Principal) -> Ticket:
    """The ticket if the caller may see it: its customer, their account manager, ops, auditors (X2)."""
    ticket = await asyncio.to_thread(app.get_ticket, ticket_id)
    if not principal.may_see_customer(ticket.customer_id):
        raise NotYours("this ticket belongs to another customer", field="ticket_id", rule="X2")
    return ticket


@router.post("/tickets", response_model=TicketPublic, status_code=201, responses=problems(403, 404, 409))
async def open_ticket(
    body: TicketCreate, runtime: RuntimeDep, customer: Customer, idempotency_key: IdempotencyKey = None
) -> TicketPublic:
    """Open an after-sale ticket on an order whose receipt was confirmed (T1); damaged, defective or
    incorrect items within 7 days of the parcel being signed for (T2)."""
    app = tickets_app(runtime)
    ticket_id = await asyncio.to_thread(
        app.open_ticket,
        customer.subject,
        body.order_id,
        body.kind,
        body.message,
        body.item_quantities(),
        body.uploads(),
        idempotency_key,
    )
    return TicketPublic.of(await asyncio.to_thread(app.get_ticket, ticket_id))


@router.get("/tickets", response_model=list[TicketPublic])
async def list_tickets(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    customer_id: Annotated[str | None, Query(max_length=128, description="whose (staff and auditors)")] = None,
) -> list[TicketPublic]:
    """A customer's own tickets; an account manager's customers'; ops and auditors any customer's
    (or everyone's). Newest first."""
    app = tickets_app(runtime)
    if principal.role == "customer":
        tickets = await asyncio.to_thread(app.tickets_of, [principal.subject])
    elif principal.role == "account_manager":
        customers = [c for c in principal.customers if customer_id in (None, c)]
        tickets = await asyncio.to_thread(app.tickets_of, customers)
    elif customer_id:
        tickets = await asyncio.to_thread(app.tickets_of, [customer_id])
    else:
        found = await asyncio.to_thread(app.all_tickets)
        tickets = sorted(found, key=lambda t: t.opened_at, reverse=True)
    return [TicketPublic.of(t) for t in tickets]


@router.get("/tickets/{ticket_id}", response_model=TicketPublic, responses=problems(403, 404))
async def get_ticket(ticket_id: uuid.UUID, runtime: RuntimeDep, principal: PrincipalDep, as_of: AsOf) -> TicketPublic:
    """One ticket with its messages, deadlines and outcome; auditors and ops may ask as of an instant."""
    app = tickets_app(runtime)
    ticket = await visible_ticket(app, ticket_id, principal)
    if as_of is None:
        return TicketPublic.of(ticket)
    if principal.role not in ("auditor", "ops"):
        raise HTTPException(403, "role: as_of is for auditors and ops")
    return TicketPublic.of(await asyncio.to_thread(app.ticket_as_of, ticket_id, as_of))


@router.post("/tickets/{ticket_id}/messages", response_model=TicketPublic, responses=problems(404, 409))
async def write(
    ticket_id: uuid.UUID,
    body: MessageCreate,
    runtime: RuntimeDep,
    customer: Customer,
    idempotency_key: IdempotencyKey = None,
) -> TicketPublic:
    """The customer writes (optionally with photos): staff owe a reply within 48 working hours (T3)
    and a pending automatic closing is off (T4)."""
    app = tickets_app(runtime)
    await visible_ticket(app, ticket_id, customer)
    ticket = await asyncio.to_thread(
        app.write, ticket_id, customer.subject, body.message, body.uploads(), idempotency_key
    )
    return TicketPublic.of(ticket)


@router.get(
    "/tickets/{ticket_id}/photos/{photo_id}",
    response_class=Response,
    responses={200: {"description": "The photo", "content": {"image/jpeg": {}, "image/png": {}}}, **problems(403, 404)},
)
async def photo(ticket_id: uuid.UUID, photo_id: uuid.UUID, runtime: RuntimeDep, principal: PrincipalDep) -> Response:
    """A photo attached to one of the ticket's messages, as stored (its type as read from its bytes)."""
    app = tickets_app(runtime)
    ticket = await visible_ticket(app, ticket_id, principal)
    found = await asyncio.to_thread(app.photo, ticket, photo_id)
    return Response(found.data, media_type=found.content_type)
