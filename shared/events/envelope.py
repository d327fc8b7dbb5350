"""The envelope every integration event travels in (DESIGN.md, 'Events on the wire')."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Envelope(BaseModel):
    """One integration event: metadata plus a versioned, typed payload (kept as a dict here).

    A tolerant reader: fields a newer producer added are accepted and kept (see `base.Contract`)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    event_id: UUID = Field(description="Unique per event; stable across republishing")
    event_type: str = Field(min_length=1, description="e.g. OrderPlaced")
    schema_version: int = Field(ge=1, description="Version of the payload schema")
    aggregate_id: str = Field(min_length=1)
    aggregate_version: int = Field(ge=1)
    order_id: str | None = Field(default=None, description="The order the event concerns, if any")
    occurred_at: datetime = Field(description="UTC instant the event happened")
    producer: str = Field(min_length=1, description="Service that produced the event")
    correlation_id: str = Field(min_length=1, description="Shared by everything one request caused")
    causation_id: str | None = Field(default=None, description="event_id (or request id) that caused this")
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware (UTC)")
        return value

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()
