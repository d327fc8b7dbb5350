"""How the inventory's value objects are stored inside events and snapshots (eventsourcing's JSON
transcoder tags each with its name; datetimes inside are transcoded by the registered ones)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from services.inventory.domain.values import Hold, ReleasedLine, ReservedLine, Shortfall


class _Fields(Transcoding):
    """A flat frozen dataclass as the dict of its fields."""

    def encode(self, obj: Any) -> dict[str, Any]:
        return asdict(obj)

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class HoldAsDict(_Fields):
    type = Hold
    name = "inventory_hold"


class ReservedLineAsDict(_Fields):
    type = ReservedLine
    name = "inventory_reserved_line"


class ReleasedLineAsDict(_Fields):
    type = ReleasedLine
    name = "inventory_released_line"


class ShortfallAsDict(Transcoding):
    type = Shortfall
    name = "inventory_shortfall"

    def encode(self, obj: Shortfall) -> dict[str, Any]:
        return {"lines": list(obj.lines), "reason": obj.reason, "at": obj.at}  # lines: tagged one by one

    def decode(self, data: dict[str, Any]) -> Shortfall:
        return Shortfall(tuple(data["lines"]), data["reason"], data["at"])


def register(transcoder: JSONTranscoder) -> None:
    for transcoding in (HoldAsDict(), ReservedLineAsDict(), ReleasedLineAsDict(), ShortfallAsDict()):
        transcoder.register(transcoding)
