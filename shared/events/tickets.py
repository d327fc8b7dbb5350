"""Events published by the tickets service on `tickets.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.events.base import Contract
from shared.events.money import Money
from shared.events.registry import event

_Payload = Contract


@event("tickets", "TicketOpened")
class TicketOpened(_Payload):
    ticket_id: str
    order_id: str
    customer_id: str
    kind: str
    opened_at: datetime


@event("tickets", "TicketAutoClosed")
class TicketAutoClosed(_Payload):
    ticket_id: str
    order_id: str
    closed_at: datetime


@event("tickets", "TicketSlaBreached")
class TicketSlaBreached(_Payload):
    """T3: staff did not reply within the reply SLA (working hours) of the customer's message."""

    ticket_id: str
    order_id: str
    customer_id: str
    message_number: int = Field(ge=1, description="The customer message left without a reply")
    message_at: datetime
    due_at: datetime
    breached_at: datetime


@event("tickets", "TicketResolved")
class TicketResolved(_Payload):
    """T5: staff closed the ticket with an outcome (a refund also sends TicketRefundRequested)."""

    ticket_id: str
    order_id: str
    customer_id: str
    kind: str
    outcome: Literal["refund", "replacement_sent", "no_action"]
    reason: str
    resolved_by: str
    resolved_at: datetime


@event("tickets", "TicketRefundRequested")
class TicketRefundRequested(_Payload):
    """T5/P6: payments refunds `amount` of the order's `purpose` payment to its original method, once
    per `refund_id`. The refund's RefundIssued repeats `reason` (it ends with the tag
    `[ticket-refund:<refund_id>]`), which is how the ticket learns the result."""

    refund_id: str = Field(description="Unique per request; the idempotency key for payments")
    ticket_id: str
    order_id: str
    customer_id: str
    purpose: Literal["goods", "shipping"]
    amount: Money
    reason: str
    requested_at: datetime
