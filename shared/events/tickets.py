"""Events published by the tickets service on `tickets.events`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.events.registry import event


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
