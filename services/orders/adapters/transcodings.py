"""How the orders domain's value objects are stored inside events and snapshots: each as its fields
(eventsourcing's JSON transcoder tags it with its name; nested values are transcoded in turn)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from services.orders.domain.values import VALUE_TYPES


class ValueAsFields(Transcoding):
    """A frozen value object stored as its fields."""

    def __init__(self, value_type: type) -> None:
        self.type = value_type
        self.name = f"orders.{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register(transcoder: JSONTranscoder) -> None:
    for value_type in VALUE_TYPES:
        transcoder.register(ValueAsFields(value_type))
