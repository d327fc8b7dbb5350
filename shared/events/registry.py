"""Registry of integration event types: which model, which version, which topic, how to upcast."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.events.base import unknown_fields
from shared.events.envelope import Envelope
from shared.events.topics import SERVICES, events_topic

TModel = TypeVar("TModel", bound=type[BaseModel])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    version: int
    producer: str
    model: type[BaseModel]

    @property
    def topic(self) -> str:
        return events_topic(self.producer)


_SPECS: dict[tuple[str, int], EventSpec] = {}
_CURRENT: dict[str, int] = {}  # event type -> its newest registered version (looked up per message)
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class ContractError(ValueError):
    """A message that does not fit the contracts: unknown type/version or an invalid payload."""


def event(producer: str, event_type: str, version: int = 1) -> Callable[[TModel], TModel]:
    """Class decorator: register a payload model as `event_type` version `version`."""
    if producer not in SERVICES:
        raise ValueError(f"unknown producer {producer!r}")

    def register(model: TModel) -> TModel:
        key = (event_type, version)
        if key in _SPECS:
            raise ValueError(f"{event_type} v{version} registered twice")
        _SPECS[key] = EventSpec(event_type, version, producer, model)
        _CURRENT[event_type] = max(version, _CURRENT.get(event_type, version))
        return model

    return register


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Function decorator: turn a payload of `from_version` into one of `from_version + 1`."""

    def register(func: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, from_version)] = func
        return func

    return register


def specs() -> list[EventSpec]:
    return sorted(_SPECS.values(), key=lambda s: (s.producer, s.event_type, s.version))


def current_version(event_type: str) -> int:
    try:
        return _CURRENT[event_type]
    except KeyError:
        raise ContractError(f"event_type: unknown event type {event_type!r}") from None


def spec_for(event_type: str, version: int | None = None) -> EventSpec:
    version = current_version(event_type) if version is None else version
    try:
        return _SPECS[(event_type, version)]
    except KeyError:
        raise ContractError(f"schema_version: {event_type} has no version {version}") from None


def wrap(
    event_type: str,
    payload: BaseModel,
    *,
    occurred_at: datetime,
    correlation_id: str,
    aggregate_id: str | None = None,
    aggregate_version: int = 1,
    order_id: str | None = None,
    event_id: uuid.UUID | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """`payload` in its envelope at the current version of `event_type`, from its registered producer.

    The payload must be that version's model, with no field the model does not declare (readers
    tolerate unknown fields, writers may not invent them); the order id defaults to the payload's,
    and the aggregate id to the order id."""
    head = _head(event_type, payload, occurred_at, correlation_id, aggregate_id, aggregate_version, order_id)
    return Envelope(
        event_id=event_id or uuid.uuid4(), causation_id=causation_id, **head, payload=payload.model_dump(mode="json")
    )


def wrap_json(
    event_type: str,
    payload: BaseModel,
    *,
    occurred_at: datetime,
    correlation_id: str,
    aggregate_id: str | None = None,
    aggregate_version: int = 1,
    order_id: str | None = None,
    event_id: uuid.UUID | None = None,
    causation_id: str | None = None,
) -> tuple[Envelope, bytes]:
    """`wrap(...)` and its `to_json()` at once, for a publisher: the same checks and the same bytes,
    with the payload serialised once, by its own model (not dumped to a dict and serialised again).
    The envelope returned is the validated metadata with an empty payload: the bytes carry it."""
    head = _head(event_type, payload, occurred_at, correlation_id, aggregate_id, aggregate_version, order_id)
    meta = Envelope(event_id=event_id or uuid.uuid4(), causation_id=causation_id, **head, payload={})
    framed = meta.model_dump_json().encode()  # ...,"payload":{}} (the payload is the last field)
    return meta, b"".join((framed[: -len(_EMPTY_PAYLOAD)], payload.model_dump_json().encode(), b"}"))


_EMPTY_PAYLOAD = b"{}}"


def _head(
    event_type: str,
    payload: BaseModel,
    occurred_at: datetime,
    correlation_id: str,
    aggregate_id: str | None,
    aggregate_version: int,
    order_id: str | None,
) -> dict[str, Any]:
    """The envelope's fields but its ids and payload, once the payload passed the writer's checks."""
    spec = spec_for(event_type)
    if not isinstance(payload, spec.model):
        raise TypeError(f"{event_type} v{spec.version} expects {spec.model.__name__}, got {type(payload).__name__}")
    unknown = unknown_fields(payload)
    if unknown:
        raise TypeError(f"{event_type} v{spec.version} does not declare {', '.join(unknown)}")
    order_id = order_id if order_id is not None else getattr(payload, "order_id", None)
    return {
        "event_type": event_type,
        "schema_version": spec.version,
        "aggregate_id": aggregate_id or order_id or event_type,
        "aggregate_version": aggregate_version,
        "order_id": order_id,
        "occurred_at": occurred_at,
        "producer": spec.producer,
        "correlation_id": correlation_id,
    }


def model_for(event_type: str) -> type[BaseModel]:
    return spec_for(event_type).model


def upcast(event_type: str, version: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Bring a payload up to the current version of its type, one step at a time."""
    target = current_version(event_type)
    spec_for(event_type, version)  # refuse versions we never had
    while version < target:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise ContractError(f"schema_version: no upcaster for {event_type} v{version}")
        payload = step(dict(payload))
        version += 1
    return version, payload


def decode(raw: bytes | str) -> tuple[Envelope, BaseModel]:
    """Parse, validate and upcast one message; raise ContractError naming what is wrong."""
    try:
        envelope = Envelope.model_validate_json(raw)  # straight from the bytes: no dict built first
    except ValidationError:
        envelope = _envelope_of(raw)  # the slower path, for the same reasons as ever
    version, payload = upcast(envelope.event_type, envelope.schema_version, envelope.payload)
    model = spec_for(envelope.event_type, version).model
    try:
        typed = model.model_validate(payload)
    except ValidationError as exc:
        raise ContractError(f"payload.{_first_error(exc)}") from None
    current = envelope.model_copy(update={"schema_version": version, "payload": typed.model_dump(mode="json")})
    return current, typed


def _envelope_of(raw: bytes | str) -> Envelope:
    """The envelope of a message parsed by `json`; raise ContractError naming what is wrong."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError(f"value: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ContractError("value: an envelope must be a JSON object")
    try:
        envelope = Envelope.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"envelope: {_first_error(exc)}") from None
    return envelope


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(root)"
    return f"{loc}: {err['msg']}"
