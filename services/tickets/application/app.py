"""The tickets application: one method per use case. The skeleton has none yet; its issue grows them."""

from __future__ import annotations

from services.tickets.settings import TicketsSettings
from shared.runtime.store import HallmarkApplication


class TicketsApplication(HallmarkApplication):
    service = "tickets"
    settings: TicketsSettings
