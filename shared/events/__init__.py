"""Integration event contracts: the envelope, one payload model per event type and version,
the topic registry, upcasters, and the JSON Schema / AsyncAPI export.

Services meet only through this package (an import-linter contract keeps it so).
"""

from shared.events import inventory, orders, payments, shipping, tickets
from shared.events.envelope import Envelope
from shared.events.money import Money
from shared.events.registry import (
    ContractError,
    EventSpec,
    current_version,
    decode,
    model_for,
    spec_for,
    specs,
    upcast,
    wrap,
)
from shared.events.topics import PARTITIONS, SERVICES, all_topics, dlq_topic, events_topic

__all__ = [
    "PARTITIONS",
    "SERVICES",
    "ContractError",
    "Envelope",
    "EventSpec",
    "Money",
    "all_topics",
    "current_version",
    "decode",
    "dlq_topic",
    "events_topic",
    "inventory",
    "model_for",
    "orders",
    "payments",
    "shipping",
    "spec_for",
    "specs",
    "tickets",
    "upcast",
    "wrap",
]
