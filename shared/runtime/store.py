"""Event store wiring (eventsourcing on PostgreSQL via psycopg 3) and the application base class."""

from __future__ import annotations

import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, Recording
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Tracking, Transcoder
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import EnvType

from shared.events import Envelope
from shared.runtime.chain import install_chain
from shared.runtime.clock import Clock, SystemClock
from shared.runtime.logs import causation_id_var, correlation_id_var
from shared.runtime.prefetch import load_many, prefetched
from shared.runtime.privacy.keys import KeyTable, MemoryKeys, PostgresKeys
from shared.runtime.privacy.mapper import Personal, SealingMapper
from shared.runtime.transcoder import FastJSONTranscoder

if TYPE_CHECKING:
    from shared.runtime.timers import TimerService

log = logging.getLogger("hallmark.store")
Handler = Callable[[Any, Envelope, ProcessingEvent[uuid.UUID]], None]
T = TypeVar("T")
Attempt = Callable[[], tuple[T, Sequence[Any]]]
"""Loads what it needs, decides, and returns (result, aggregates to save; None entries are skipped)."""


def postgres_env(dsn: str, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing environment for a PostgreSQL database given as a URL."""
    parts = urlsplit(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": "5",
        "CREATE_TABLE": "y",
        "PROCESS_RECORDER_TOPIC": "shared.runtime.recorder:HallmarkRecorder",  # one statement per transaction
    }


def ensure_database(dsn: str) -> None:
    """Create the service's database on its server if it does not exist yet."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{name}"')


class UnknownEvent(LookupError):
    """The application has no handler for an incoming event type (it is skipped, not an error)."""


class NotYet(Exception):
    """A policy cannot apply this message before an event from another topic is applied (topics are
    consumed independently, so their relative order is not kept): the consumer leaves the batch
    unacknowledged and tries it again, and dead-letters it only if the wait outlasts its limit."""


class StillConflicting(Exception):
    """Other writers saved the same aggregates first every time `commit` tried; nothing was recorded."""


def backoff(attempt: int) -> None:
    """Wait a little, at random, so that writers who collided do not collide again."""
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))


class HallmarkApplication(EventSourcedProjection[uuid.UUID]):
    """One service's eventsourcing application: stores its events, stamps each with the
    correlation and causation ids of what caused it, and handles incoming integration events
    through its `policies` (event type -> handler, from the service's spec), recording the effects
    with a tracking row.

    A service's application takes its settings in the constructor (and any ports, e.g. a payment
    provider, as keyword arguments); the Runtime builds it from the ServiceSpec."""

    service: ClassVar[str] = ""
    personal_data: ClassVar[Mapping[type, Personal]] = {}
    """Domain event classes (and aggregates, for their snapshots) whose personal fields are sealed per
    customer in the store (shared.runtime.privacy); a service with any keeps a customer key table."""

    def __init__(self, settings: Any, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(env)
        install_chain(self, self.service)  # the hash chain over the log (audit), extended as events are recorded
        self.keys: KeyTable | None = None
        if self.personal_data:
            datastore = getattr(self.recorder, "datastore", None)
            self.keys = PostgresKeys(datastore) if datastore is not None else MemoryKeys()
            assert isinstance(self.mapper, SealingMapper)
            self.mapper.configure(self.personal_data, self.keys)
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.timers: TimerService | None = None
        self.policies: Mapping[str, Handler] = {}
        self.stored_listeners: list[Callable[[int], None]] = []

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()  # eventsourcing's JSON read with orjson: the same bytes, the same objects
        self.register_transcodings(transcoder)
        return transcoder

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=SealingMapper)

    # --- recording -------------------------------------------------------------------------
    def _record(self, processing_event: ProcessingEvent[uuid.UUID]) -> list[Recording[uuid.UUID]]:
        self._stamp(processing_event.events, correlation_id_var.get() or str(uuid.uuid4()), causation_id_var.get())
        for domain_event in processing_event.events:
            aggregate = processing_event.aggregates.get(domain_event.originator_id)
            context = self.event_context(aggregate) if aggregate is not None else None
            if context:
                vars(domain_event)["_meta"].setdefault("context", context)
        recordings = super()._record(processing_event)
        for listener in self.stored_listeners:
            listener(len(recordings))
        return recordings

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        """What integration events about this aggregate must say besides the change itself (e.g. the
        order id a payment belongs to); stored with each event's metadata for the outbound translator."""
        return None

    @staticmethod
    def _stamp(events: Iterable[Any], correlation: str, causation: str | None) -> None:
        """Give each new event the correlation and causation ids of what caused it (once)."""
        for domain_event in events:
            if "_meta" not in vars(domain_event):
                meta = {"correlation_id": correlation, "causation_id": causation}
                object.__setattr__(domain_event, "_meta", meta)

    def commit(self, attempt: Attempt[T], *, retries: int = 10) -> T:
        """Decide on the current state and save in one transaction; returns the decision's result. If
        another writer (a replica, the timer loop) saved one of the aggregates first, the store refuses
        the stale version and `attempt` runs again on the new state after a short random pause."""
        for tries in range(retries):
            result, aggregates = attempt()
            try:
                self.save(*aggregates)
            except IntegrityError:
                log.info("version conflict: deciding again", extra={"service": self.service, "attempt": tries + 1})
                backoff(tries)
                continue
            return result
        raise StillConflicting(f"changed by other writers {retries} times in a row; nothing was recorded")

    # --- incoming integration events --------------------------------------------------------
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[uuid.UUID]) -> None:
        envelope: Envelope = domain_event
        handler = self.policies.get(envelope.event_type)
        if handler is not None:
            handler(self, envelope, processing_event)

    def handles(self, event_type: str) -> bool:
        return event_type in self.policies

    def process_envelope(self, envelope: Envelope, tracking: Tracking) -> None:
        """Apply one incoming event; its effects and the tracking row commit together."""
        token_c = correlation_id_var.set(envelope.correlation_id)
        token_k = causation_id_var.set(str(envelope.event_id))
        try:
            self.process_event(envelope, tracking)  # type: ignore[arg-type]
        finally:
            correlation_id_var.reset(token_c)
            causation_id_var.reset(token_k)

    def record(self, processing_event: ProcessingEvent[uuid.UUID]) -> None:
        """Store what a use case collected on a processing event (aggregates and timers) atomically."""
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)

    def process_batch(self, items: list[tuple[Envelope, int]], tracking_name: str) -> None:
        """Apply several incoming events of one partition in one transaction, tracked by the last
        notification id (ids rise within a partition, so 'id <= max tracked' still means 'seen')."""
        processing_event = ProcessingEvent[uuid.UUID](
            tracking=Tracking(application_name=tracking_name, notification_id=items[-1][1])
        )
        token = None  # the consumer reads a batch's aggregates ahead with its tracking id; if not, here
        if prefetched.get() is None:
            token = prefetched.set(load_many(self, (i for e, _ in items for i in self.aggregate_ids_of(e))))
        try:
            for envelope, _ in items:
                handler = self.policies.get(envelope.event_type)
                if handler is not None:
                    collected = len(processing_event.events)
                    handler(self, envelope, processing_event)
                    self._stamp(processing_event.events[collected:], envelope.correlation_id, str(envelope.event_id))
        finally:
            if token is not None:
                prefetched.reset(token)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)

    def load(self, aggregate_id: uuid.UUID, processing_event: ProcessingEvent[uuid.UUID] | None = None) -> Any:
        """Get an aggregate, preferring the copy already changed in this processing event."""
        if processing_event is not None and aggregate_id in processing_event.aggregates:
            return processing_event.aggregates[aggregate_id]
        ahead = prefetched.get()
        if ahead and aggregate_id in ahead:  # read with the batch's others (shared.runtime.prefetch); once
            aggregate = ahead.pop(aggregate_id)
            if aggregate is None:
                raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} not found.")
            return aggregate
        return self.repository.get(aggregate_id)

    def aggregate_ids_of(self, envelope: Envelope) -> Iterable[uuid.UUID]:
        """The aggregates applying `envelope` will load, read ahead for a batch in one query (a guess is
        harmless: what is not read ahead is read when loaded). None by default."""
        return ()

    # --- audit ------------------------------------------------------------------------------
    def domain_events(self, aggregate_id: uuid.UUID) -> list[Any]:
        return [self.mapper.to_domain_event(s) for s in self.recorder.select_events(aggregate_id)]

    def replay_as_of(self, aggregate_id: uuid.UUID, instant: datetime | None) -> Aggregate | None:
        """The aggregate as it was at `instant`; None replays every event from the first.

        For an instant, the version that was current then is found by bisecting the event
        timestamps (one small read per step), and that version is loaded the usual way: the
        newest snapshot at or below it, then the events after it.
        """
        if instant is None:
            aggregate: Any = None
            for domain_event in self.domain_events(aggregate_id):
                aggregate = domain_event.mutate(aggregate)
            return aggregate
        version = self.version_at(aggregate_id, instant)
        return self.repository.get(aggregate_id, version=version) if version else None

    def version_at(self, aggregate_id: uuid.UUID, instant: datetime) -> int:
        """The last version of the aggregate recorded no later than `instant` (0: it did not exist yet)."""
        newest = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        low, high = 0, newest[0].originator_version if newest else 0
        while low < high:  # invariant: the answer is in [low, high]
            middle = (low + high + 1) // 2
            stored = self.recorder.select_events(aggregate_id, gt=middle - 1, lte=middle)
            recorded: Any = self.mapper.to_domain_event(stored[0])
            if recorded.timestamp <= instant:
                low = middle
            else:
                high = middle - 1
        return low

    def history(self, aggregate_id: uuid.UUID) -> list[dict[str, Any]]:
        return [describe_event(e) for e in self.domain_events(aggregate_id)]

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def max_tracking_ids(self, names: Iterable[str]) -> dict[str, int]:
        return {name: self.recorder.max_tracking_id(name) or 0 for name in names}


def describe_event(domain_event: Any) -> dict[str, Any]:
    state = dict(vars(domain_event))
    meta = state.pop("_meta", {}) or {}
    return {
        "aggregate_id": str(state.pop("originator_id")),
        "version": state.pop("originator_version"),
        "type": type(domain_event).__qualname__,
        "timestamp": state.pop("timestamp").isoformat(),
        "correlation_id": meta.get("correlation_id"),
        "causation_id": meta.get("causation_id"),
        "data": {k: _jsonable(v) for k, v in state.items()},
    }


def aggregate_state(aggregate: Any) -> dict[str, Any]:
    state = {k.lstrip("_"): _jsonable(v) for k, v in vars(aggregate).items() if k != "_pending_events"}
    return state


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
