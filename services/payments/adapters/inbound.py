"""Incoming integration events -> typed payloads for the payments use cases."""

from __future__ import annotations

from typing import Any

from shared.events import Envelope, model_for


def payload(envelope: Envelope) -> Any:
    """The envelope's payload as its (current version's) model."""
    return model_for(envelope.event_type).model_validate(envelope.payload)
