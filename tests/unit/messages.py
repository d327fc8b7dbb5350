"""Building incoming Kafka messages for tests that feed the tracked consumer, and the small
things every scenario driver needs (a step clock, money in USD)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from shared.events import Money, spec_for, wrap
from shared.runtime.messages import Incoming
from shared.runtime.translate import envelope_for


class StepClock:
    """A clock that moves only when told (scenarios set `at` or advance it)."""

    manual = True

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


def usd(minor: int) -> Money:
    return Money(amount_minor=minor, currency="USD")


def message_bytes(event_type: str, payload: BaseModel, correlation_id: str = "corr") -> bytes:
    """`payload` as a producer's relay would put it on its topic (now, version 1 of its aggregate)."""
    return wrap(event_type, payload, occurred_at=datetime.now(UTC), correlation_id=correlation_id).to_json()


def incoming(event_type: str, payload: BaseModel, notification_id: int, at: datetime) -> Incoming:
    """`payload` as the producer's relay would publish it, on partition 0 of its topic."""
    envelope = wrap(event_type, payload, occurred_at=at, correlation_id="corr")
    headers = (("notification_id", str(notification_id).encode()),)
    topic = f"{spec_for(event_type).producer}.events"
    return Incoming(topic, 0, notification_id, b"k", envelope.to_json(), headers)


def relayed(source: Any) -> list[Incoming]:
    """Every event `source` (a Runtime) publishes, as its relay puts it on partition 0 of its topic:
    the envelope, with the notification id and event type headers."""
    messages = []
    for n in source.app.recorder.select_notifications(start=1, limit=10_000):
        domain_event = source.app.mapper.to_domain_event(n)
        outbound = source.spec.translate(domain_event)
        if outbound is None:
            continue
        envelope = envelope_for(source.name, domain_event, outbound)
        headers = (("notification_id", str(n.id).encode()), ("event_type", envelope.event_type.encode()))
        messages.append(Incoming(source.topic, 0, n.id, b"k", envelope.to_json(), headers))
    return messages


def carry(source: Any, target: Any) -> Any:
    """Hand all of `source`'s published events to `target`'s real tracked consumer (which decides
    what is new, a duplicate or not its business); its BatchResult."""
    return target.consumer.apply_batch(relayed(source))
