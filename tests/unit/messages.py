"""Building incoming Kafka messages for unit tests that feed the tracked consumer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from shared.events import Envelope, spec_for
from shared.runtime.messages import Incoming


def incoming(event_type: str, payload: BaseModel, notification_id: int, at: datetime) -> Incoming:
    """`payload` as the producer's relay would publish it, on partition 0 of its topic."""
    spec = spec_for(event_type)
    order_id = getattr(payload, "order_id", None)
    envelope = Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=spec.version,
        aggregate_id=order_id or "agg",
        aggregate_version=1,
        order_id=order_id,
        occurred_at=at,
        producer=spec.producer,
        correlation_id="corr",
        payload=payload.model_dump(mode="json"),
    )
    headers = (("notification_id", str(notification_id).encode()),)
    return Incoming(f"{spec.producer}.events", 0, notification_id, b"k", envelope.to_json(), headers)
