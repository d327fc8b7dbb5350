"""Wiring for the tickets service: settings -> runtime (application, consumer, relay, timers)."""

from __future__ import annotations

from typing import Any

from services.tickets.adapters.outbound import translate
from services.tickets.adapters.photos import PostgresPhotoStore
from services.tickets.application import TicketsApplication, policies
from services.tickets.settings import TicketsSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec


def ports(settings: TicketsSettings) -> dict[str, Any]:
    """Photos live in the service's own database (the store connects on first use)."""
    return {"photos": PostgresPhotoStore(settings.dsn)}


SPEC: ServiceSpec[TicketsApplication] = ServiceSpec(
    name="tickets",
    app_class=TicketsApplication,
    translate=translate,
    policies=policies.POLICIES,
    timers=policies.TIMERS,
    ports=ports,
    consumes=tuple(events_topic(t) for t in ("orders", "inventory", "shipping", "payments")),
)


def bootstrap(settings: TicketsSettings | None = None, **overrides: Any) -> Runtime[TicketsApplication]:
    return Runtime(SPEC, settings or TicketsSettings(), **overrides)
