"""The base of every contract model: a tolerant reader and a strict writer.

Readers accept fields they do not know and keep them (`extra="allow"`), so a producer that adds an
optional field breaks no consumer, and a message re-published or exported keeps what it carried.
A missing or mistyped known field is still refused. Writers are held to the contract: `wrap()`
refuses a payload carrying a field its model does not declare (`unknown_fields`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


def unknown_fields(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the fields, at any depth, that `value`'s models do not declare."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        found += [f"{path}{name}" for name in (value.__pydantic_extra__ or {})]
        for name, item in vars(value).items():  # the declared fields' values (extras are kept apart)
            if type(item) not in _LEAVES:  # a string or a number holds no fields: not walked
                found += unknown_fields(item, f"{path}{name}.")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if type(item) not in _LEAVES:
                found += unknown_fields(item, f"{path}{index}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if type(item) not in _LEAVES:
                found += unknown_fields(item, f"{path}{key}.")
    return found


_LEAVES = frozenset({str, int, float, bool, type(None), bytes, Decimal, UUID, datetime, date, time, timedelta})
