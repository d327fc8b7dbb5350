"""Tickets use cases (`app.py`) and the handling of other services' events (`policies.py`)."""

from services.tickets.application.app import TicketsApplication

__all__ = ["TicketsApplication"]
