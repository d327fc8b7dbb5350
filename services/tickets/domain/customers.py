"""Each customer's tickets, newest last: how a customer (or their account manager) lists them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

CUSTOMER_NAMESPACE = uuid.UUID("7d9f1b3c-5e7a-4c9e-a1b3-c5d7e9f1a3b5")


def customer_tickets_id(customer_id: str) -> uuid.UUID:
    return uuid.uuid5(CUSTOMER_NAMESPACE, customer_id)


class CustomerTickets(Aggregate):
    Started: ClassVar[type[Any]]
    TicketAdded: ClassVar[type[Any]]

    @event("Started")
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.tickets: list[str] = []

    @staticmethod
    def create_id(customer_id: str) -> uuid.UUID:
        return customer_tickets_id(customer_id)

    @event("TicketAdded")
    def add(self, ticket_id: str) -> None:
        self.tickets.append(ticket_id)
