"""Stored domain events described under their published names and versions (what other services and
auditors know them as): `OrderItemsReduced` v1, not `Order.ItemsReduced`. An event that never leaves
the service keeps its internal name and says so (`published: false`)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from shared.runtime.store import describe_event
from shared.runtime.translate import Translator, envelope_for

log = logging.getLogger("hallmark.audit")


def describe(service: str, translate: Translator, domain_event: Any) -> dict[str, Any]:
    """What `describe_event` says of a stored event (internal `type`, `timestamp`, `data`, ids), plus its
    published name and version (`event_type`, `schema_version`), and for a published one its envelope's
    `event_id`, `order_id` and `payload`."""
    internal = describe_event(domain_event)
    described = {**internal, "internal_type": internal["type"], "occurred_at": internal["timestamp"]}
    try:
        outbound = translate(domain_event)
    except Exception as exc:  # an event the current translator cannot read: shown as stored
        log.warning("audit: event not translatable", extra={"type": internal["type"], "error": repr(exc)})
        outbound = None
    if outbound is None:
        return {"event_type": internal["type"], "schema_version": None, "published": False, **described}
    envelope = envelope_for(service, domain_event, outbound)
    return {
        "event_type": envelope.event_type,
        "schema_version": envelope.schema_version,
        "published": True,
        **described,
        "event_id": str(envelope.event_id),
        "order_id": envelope.order_id,
        "payload": envelope.payload,
    }


def history(
    app: Any, service: str, translate: Translator, aggregate_id: uuid.UUID, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """An aggregate's events in order (up to `as_of`), under their published names."""
    events = app.domain_events(aggregate_id)
    if as_of is not None:
        events = [e for e in events if e.timestamp <= as_of]
    return [describe(service, translate, e) for e in events]
