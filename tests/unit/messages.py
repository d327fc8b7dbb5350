"""Building incoming Kafka messages for tests that feed the tracked consumer, and the small
things every scenario driver needs (a step clock, money in USD)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from shared.events import Money, spec_for, wrap
from shared.runtime.messages import Incoming


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
