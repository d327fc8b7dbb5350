"""Turning a stored domain event into an integration envelope (the generic half; each service's
adapters supply the event type, payload and order id)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from shared.events import Envelope, spec_for, wrap
from shared.events.registry import wrap_json

EVENT_NAMESPACE = uuid.UUID("6b0f8f5e-3c1a-4a51-9d0e-2f1f6c7a9b11")

Outbound = tuple[str, BaseModel, str | None]
"""(event_type, payload model, order id) for a domain event that leaves the service."""

Translator = Callable[[Any], Outbound | None]


def context_of(domain_event: Any) -> dict[str, Any]:
    """The context the application stored with the event (HallmarkApplication.event_context)."""
    meta = vars(domain_event).get("_meta") or {}
    context: dict[str, Any] = meta.get("context") or {}
    return context


def envelope_for(service: str, domain_event: Any, outbound: Outbound) -> Envelope:
    return wrap(**_wrapping(service, domain_event, outbound))


def encoded_for(service: str, domain_event: Any, outbound: Outbound) -> tuple[Envelope, bytes]:
    """The relay's form: the envelope's metadata and the exact bytes of `envelope_for(...).to_json()`,
    the payload serialised once (`shared.events.registry.wrap_json`)."""
    return wrap_json(**_wrapping(service, domain_event, outbound))


def _wrapping(service: str, domain_event: Any, outbound: Outbound) -> dict[str, Any]:
    event_type, payload, order_id = outbound
    if spec_for(event_type).producer != service:
        raise TypeError(f"{service} does not publish {event_type}")
    meta = vars(domain_event).get("_meta") or {}
    aggregate_id = str(domain_event.originator_id)
    aggregate_version = int(domain_event.originator_version)
    event_id = uuid.uuid5(EVENT_NAMESPACE, f"{service}:{aggregate_id}:{aggregate_version}:{event_type}")
    return {
        "event_type": event_type,
        "payload": payload,
        "occurred_at": domain_event.timestamp,
        "correlation_id": meta.get("correlation_id") or str(event_id),
        "causation_id": meta.get("causation_id"),
        "aggregate_id": aggregate_id,
        "aggregate_version": aggregate_version,
        "order_id": order_id,
        "event_id": event_id,
    }
