"""Tickets HTTP routes for staff (the customer's account manager, or ops), ops and auditors:
reply, resolve, the queue by reply deadline, missed deadlines, and the audit trail."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.tickets.api.customers import IdempotencyKey, tickets_app, visible_ticket
from services.tickets.api.models import BreachListed, MessageCreate, ResolutionCreate, TicketPublic
from shared.runtime.audit.described import HistoryEvent, published_history
from shared.runtime.http.deps import Auditor, OpsOrAuditor, RuntimeDep, require
from shared.runtime.http.problems import problems
from shared.runtime.identity import Principal

router = APIRouter(tags=["tickets (staff)"])
Staff = Annotated[Principal, Depends(require("account_manager", "ops"))]


@router.post("/tickets/{ticket_id}/replies", response_model=TicketPublic, responses=problems(404, 409))
async def reply(
    ticket_id: uuid.UUID, body: MessageCreate, runtime: RuntimeDep, staff: Staff, idempotency_key: IdempotencyKey = None
) -> TicketPublic:
    """Staff reply (the customer's account manager or ops): the reply deadline is met (T3); the ticket
    closes itself after 7 days without an answer from the customer (T4)."""
    app = tickets_app(runtime)
    await visible_ticket(app, ticket_id, staff)
    ticket = await asyncio.to_thread(app.reply, ticket_id, staff.subject, body.message, body.uploads(), idempotency_key)
    return TicketPublic.of(ticket)


@router.post("/tickets/{ticket_id}/resolution", response_model=TicketPublic, responses=problems(404, 409))
async def resolve(ticket_id: uuid.UUID, body: ResolutionCreate, runtime: RuntimeDep, staff: Staff) -> TicketPublic:
    """Close the ticket with an outcome (T5): `refund` (shortage with its share of shipping, damaged,
    defective, incorrect item) asks payments to refund; `replacement_sent` or `no_action` with a reason."""
    app = tickets_app(runtime)
    await visible_ticket(app, ticket_id, staff)
    ticket = await asyncio.to_thread(
        app.resolve, ticket_id, staff.subject, body.outcome, body.reason, body.item_quantities()
    )
    return TicketPublic.of(ticket)


@router.get("/staff/queue", response_model=list[TicketPublic])
async def queue(
    runtime: RuntimeDep,
    staff: Staff,
    breached: Annotated[bool, Query(description="only tickets whose reply deadline was missed (T3)")] = False,
) -> list[TicketPublic]:
    """Open tickets, the nearest reply deadline first: an account manager's customers', or all (ops)."""
    customers = None if staff.role == "ops" else list(staff.customers)
    tickets = await asyncio.to_thread(tickets_app(runtime).queue, customers, breached)
    return [TicketPublic.of(t) for t in tickets]


@router.get("/admin/sla-breaches", response_model=list[BreachListed])
async def sla_breaches(runtime: RuntimeDep, _: OpsOrAuditor) -> list[BreachListed]:
    """T3: every staff reply deadline that was missed, oldest first."""
    found = await asyncio.to_thread(tickets_app(runtime).sla_breaches)
    return [
        BreachListed(
            ticket_id=b["ticket"].id,
            order_id=b["ticket"].order_id,
            customer_id=b["ticket"].customer_id,
            status=b["ticket"].status,
            message_number=b["message"],
            message_at=b["message_at"],
            due_at=b["due_at"],
            breached_at=b["at"],
        )
        for b in found
    ]


@router.get("/tickets/{ticket_id}/history", response_model=list[HistoryEvent], responses=problems(404))
async def history(ticket_id: uuid.UUID, runtime: RuntimeDep, _: Auditor) -> list[dict[str, Any]]:
    """The ticket's events in order, under their published names and versions, with their metadata (auditors)."""
    await asyncio.to_thread(tickets_app(runtime).get_ticket, ticket_id)
    return await published_history(runtime, ticket_id)
