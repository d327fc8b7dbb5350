"""Topic registry: one events topic per service, one dead-letter topic per events topic."""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("orders", "inventory", "payments", "shipping", "tickets")
PARTITIONS = 6


def events_topic(service: str) -> str:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return f"{service}.events"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def all_topics() -> list[str]:
    """Every topic the system uses, in a stable order (pre-created by the launcher)."""
    names: list[str] = []
    for service in SERVICES:
        names += [events_topic(service), dlq_topic(events_topic(service))]
    return names
