"""The durable timers of a ticket (X1). Timers are keyed by (kind, target), so each deadline period
gets its own target: the ticket id and the number of the message that started the period."""

from __future__ import annotations

import uuid

REPLY_SLA = "ticket-reply-sla"
"""T3: fires when staff have not replied to customer message n within the reply SLA."""
AUTO_CLOSE = "ticket-auto-close"
"""T4: fires when the customer has not answered staff reply n within the closing period."""


def target(ticket_id: uuid.UUID | str, message_number: int) -> str:
    return f"{ticket_id}:{message_number}"


def parse_target(value: str) -> tuple[uuid.UUID, int]:
    ticket_id, _, number = value.rpartition(":")
    return uuid.UUID(ticket_id), int(number)
