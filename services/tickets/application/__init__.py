"""Tickets use cases (`app.py`) and the handling of other services' events and of timers (`policies.py`)."""

from services.tickets.application.app import TicketsApplication
from services.tickets.application.uploads import PhotoUpload

__all__ = ["PhotoUpload", "TicketsApplication"]
