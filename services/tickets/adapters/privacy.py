"""Which tickets data is personal (crypto-shredding, shared.runtime.privacy): the text of every
message of a ticket, the customer's and the staff's replies alike (a reply quotes and answers the
customer's complaint). Sealed under the ticket's customer's key in tickets' own key table
(`hallmark_customer_keys` in the tickets database); the customer is the opening event's, and the
ticket's (its event context) for later messages. Kinds, items, deadlines, outcomes and refund amounts
stay readable; photos are rows outside the log (`ticket_photos`) and are deleted on forget instead.
Tickets publish no message text."""

from __future__ import annotations

from services.tickets.domain.ticket import Ticket
from shared.runtime.privacy.mapper import Personal, Values


def _same(values: Values) -> Values:
    return {"text": values.get("text")}


TEXT = Personal(fields=("text",), encode=_same, decode=_same)

PERSONAL_DATA: dict[type, Personal] = {Ticket.Opened: TEXT, Ticket.CustomerWrote: TEXT, Ticket.StaffReplied: TEXT}
"""Tickets are not snapshotted."""
