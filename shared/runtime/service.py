"""The runtime of one service: settings -> clock, event store, application, consumer, metrics.

Each service's `bootstrap.py` describes itself with a `ServiceSpec` and calls `Runtime(...)`;
the API (`shared.runtime.http.app.service_app`) and the worker (`shared.runtime.worker.service_worker`)
are both built from a Runtime. Nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import psycopg

from shared.events import PARTITIONS, events_topic
from shared.runtime.clock import Clock, install_event_clock, make_clock
from shared.runtime.consumer import TrackedConsumer
from shared.runtime.deadletters import DeadLetters
from shared.runtime.follower import EffectHandler, position_name
from shared.runtime.metrics import Metrics
from shared.runtime.positions import ddl_lock, ensure_tables, read_position
from shared.runtime.settings import ServiceSettings
from shared.runtime.store import HallmarkApplication, Handler, ensure_database, postgres_env
from shared.runtime.timers import TimerHandler, TimerService, timers_due
from shared.runtime.translate import Translator

TApp = TypeVar("TApp", bound=HallmarkApplication)


@dataclass(frozen=True)
class ServiceSpec(Generic[TApp]):
    name: str
    app_class: type[TApp]
    translate: Translator
    consumes: tuple[str, ...] = ()
    policies: Mapping[str, Handler] = field(default_factory=dict)
    """Incoming integration event type -> handler (`application/policies.py`); registered here only."""
    timers: Mapping[str, TimerHandler] = field(default_factory=dict)
    """Durable timer kind -> handler, fired once by the due-timer loop."""
    ports: Callable[[Any], dict[str, Any]] | None = None
    """Settings -> the adapters the application's constructor takes as keyword arguments."""
    followers: Mapping[str, Callable[[Runtime[Any]], EffectHandler]] = field(default_factory=dict)
    """Side effects per stored event (name -> factory of the handler), run by the leading worker."""


class Runtime(Generic[TApp]):
    def __init__(
        self,
        spec: ServiceSpec[TApp],
        settings: ServiceSettings,
        *,
        persistence: Literal["postgres", "memory"] = "postgres",
        clock: Clock | None = None,
        ports: Mapping[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.name = spec.name
        prefix = settings.platform.topic_prefix
        self.topic = prefix + events_topic(spec.name)
        self.consumes = tuple(prefix + t for t in spec.consumes)
        self.clock = clock or make_clock(settings.platform.clock, settings.platform.clock_file)
        install_event_clock(self.clock)
        self.persistence = persistence
        adapters = {**(spec.ports(settings) if spec.ports else {}), **(ports or {})}
        if persistence == "postgres":
            ensure_database(settings.dsn)
            ensure_tables(settings.dsn)
            with ddl_lock(settings.dsn):  # the application creates its tables as it starts
                env = postgres_env(settings.dsn, settings.pool_size)
                self.app: TApp = spec.app_class(settings, env=env, clock=self.clock, **adapters)
        else:
            env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
            self.app = spec.app_class(settings, env=env, clock=self.clock, **adapters)
        self.app.policies = spec.policies
        self.app.timers = TimerService(self.app, self.clock, spec.timers, settings.dsn)
        self.metrics = Metrics(spec.name)
        self.app.stored_listeners.append(self.metrics.events_stored.inc)
        self.dead_letters = DeadLetters(settings.dsn, spec.name, settings.platform.kafka_bootstrap_servers)
        self.consumer = TrackedConsumer(self.app, self.dead_letters, faults=self.fault)

    def fault(self, name: str) -> bool:
        return self.settings.platform.fault_enabled(name)

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.settings.dsn, autocommit=True, connect_timeout=3) as conn:
            yield conn

    def store_gauges(self) -> dict[str, int]:
        with self.connect() as conn:
            stored = self.app.max_notification_id()
            published = read_position(conn, f"relay:{self.topic}")
            return {
                "stored": stored,
                "published": published,
                "relay_lag": max(stored - published, 0),
                "dlq_open": self.dead_letters.count_open(conn),
                "timers_due": timers_due(conn, self.clock.now()),
            }

    def follower_positions(self) -> dict[str, dict[str, int]]:
        """Each log follower's position and how many notifications it has still to handle (e-mail)."""
        with self.connect() as conn:
            stored = self.app.max_notification_id()
            positions = {name: read_position(conn, position_name(self.name, name)) for name in self.spec.followers}
        return {name: {"position": p, "lag": max(stored - p, 0)} for name, p in positions.items()}

    def consumer_positions(self) -> dict[str, int]:
        names = [f"{t}:{p}" for t in self.consumes for p in range(PARTITIONS)]
        return {k: v for k, v in self.app.max_tracking_ids(names).items() if v}

    def close(self) -> None:
        self.app.close()
