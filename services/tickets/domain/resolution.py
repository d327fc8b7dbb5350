"""T5: resolving a ticket with a refund touches two aggregates: the ticket records the outcome and
one refund request per purpose; the order record reserves the amounts so that no later ticket can
ask for the same money again."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.tickets.domain.errors import InvalidClaim
from services.tickets.domain.order import OrderRecord
from services.tickets.domain.refunds import plan_refund
from services.tickets.domain.ticket import Ticket

REFUND_NAMESPACE = uuid.UUID("4e6a8c0d-2f4b-4d8f-a1c3-5e7a9c1e3f5b")


def refund_id(ticket_id: uuid.UUID, purpose: str) -> str:
    """One request per ticket and purpose: payments refunds each id once."""
    return str(uuid.uuid5(REFUND_NAMESPACE, f"{ticket_id}:{purpose}"))


def resolve_with_refund(
    ticket: Ticket,
    record: OrderRecord,
    items: dict[str, int] | None,
    weights: dict[str, int | None],
    actor: str,
    reason: str,
    at: datetime,
) -> None:
    """Refund the named items (the ticket's claimed items by default), capped by what is left."""
    ticket.check_may_resolve("refund")
    chosen = ticket.items if items is None else items
    if not chosen:
        raise InvalidClaim("name the items to refund", field="items", rule="T5")
    record.check_items(chosen)
    parts = plan_refund(ticket.kind, chosen, record, weights)
    ticket.resolve("refund", reason, actor, at)
    for part in parts:
        rid = refund_id(ticket.id, part.purpose)
        record.reserve_refund(
            refund_id=rid,
            ticket_id=str(ticket.id),
            purpose=part.purpose,
            amount_minor=part.amount_minor,
            items=part.items,
            at=at,
        )
        ticket.request_refund(
            refund_id=rid,
            purpose=part.purpose,
            amount_minor=part.amount_minor,
            asked_minor=part.asked_minor,
            currency=part.currency,
            items=part.items,
            reason=f"T5 {part.explanation} (ticket {ticket.id}): {reason}",
            at=at,
        )
