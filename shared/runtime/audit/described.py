"""An aggregate's history as the services' history routes answer it: each stored event under its
published name and version (`OrderItemsReduced` v1), keeping the stored, internal name as `type`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.runtime.audit.published import history
from shared.runtime.service import Runtime


class HistoryEvent(BaseModel):
    """One stored event of an aggregate, described for auditors."""

    model_config = ConfigDict(extra="allow")

    event_type: str = Field(description="The published name (an event that never leaves the service: its stored name)")
    schema_version: int | None = Field(description="The published schema version (null: not published)")
    published: bool = Field(description="Whether the service publishes this event")
    type: str = Field(description="The stored, internal name (e.g. Order.ItemsReduced)")
    internal_type: str = Field(description="The same as `type`")
    aggregate_id: str
    version: int = Field(description="The aggregate's version this event made")
    timestamp: str = Field(description="When it was recorded (ISO 8601)")
    occurred_at: str = Field(description="The same as `timestamp` (the envelope's name for it)")
    correlation_id: str | None
    causation_id: str | None
    data: dict[str, Any] = Field(description="The stored event's fields")
    event_id: str | None = Field(default=None, description="The published envelope's id (published events only)")
    order_id: str | None = Field(default=None, description="The order the envelope concerns (published events only)")
    payload: dict[str, Any] | None = Field(default=None, description="The published payload (published events only)")


async def published_history(runtime: Runtime[Any], aggregate_id: uuid.UUID) -> list[dict[str, Any]]:
    """The aggregate's events in order, under their published names and versions."""
    return await asyncio.to_thread(history, runtime.app, runtime.name, runtime.spec.translate, aggregate_id)
