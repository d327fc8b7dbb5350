"""Tickets use cases. The walking skeleton has none yet; its issue grows them."""

from __future__ import annotations

from shared.runtime.store import HallmarkApplication


class TicketsApplication(HallmarkApplication):
    service = "tickets"
