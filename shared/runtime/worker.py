"""The Faust worker every service runs. Faust gives the process its CLI, lifecycle, signals and
logging; its app runs one task: the intake of the consumed topics (aiokafka `getmany` batches in the
service's consumer group, handed to the tracked consumer: `intake.py`), the outbox relay, the
due-timer loop, the log followers and a metrics endpoint.

Faust's own Kafka consumer (its agents, consumer thread, conductor, tables) is not started: on the same
messages it cost ~20 times aiokafka's CPU (`make bench`, docs/operations.md "Performance")."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust
import uvloop
from faust.app.base import BootStrategy
from prometheus_client import start_http_server

from shared.events import PARTITIONS
from shared.runtime.follower import LogFollower, PostgresPositions
from shared.runtime.intake import Intake
from shared.runtime.kafka import reliable_producer
from shared.runtime.logs import configure_logging
from shared.runtime.relay import OutboxRelay
from shared.runtime.service import Runtime
from shared.runtime.timers import TimerService, index_timers

log = logging.getLogger("hallmark.worker")
FOLLOWER_IDLE_POLL = 5.0  # seconds: a follower not woken by the relay looks this often
TIMER_IDLE_POLL = 10.0  # seconds: the timer loop, with no deadline sooner and not woken, looks this often


class _Boot(BootStrategy):
    """Faust's worker without its Kafka consumer, producer and tables: the intake reads the topics, the
    relay has its own idempotent producer."""

    enable_kafka = False


class WorkerApp(faust.App):
    BootStrategy = _Boot


def consumer_group(runtime: Runtime[Any]) -> str:
    """The consumer group of a service's workers: the Faust app id (every replica joins it)."""
    return f"{runtime.settings.platform.topic_prefix}hallmark-{runtime.name}"


def build_worker(runtime: Runtime[Any]) -> faust.App:
    settings = runtime.settings
    platform = settings.platform
    datadir = Path(tempfile.gettempdir()) / "hallmark-faust" / f"{platform.topic_prefix}{runtime.name}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    brokers = [f"kafka://{h.strip()}" for h in platform.kafka_bootstrap_servers.split(",")]
    app = WorkerApp(
        consumer_group(runtime),
        broker=brokers,
        web_enabled=False,
        topic_allow_declare=False,
        topic_partitions=PARTITIONS,
        store="memory://",
        datadir=str(datadir),
        loghandlers=[h for h in logging.getLogger().handlers],
    )

    @app.task
    async def background() -> None:
        stop = asyncio.Event()
        start_http_server(settings.worker_metrics_port, addr=settings.http_host, registry=runtime.metrics.registry)
        relay_producer = reliable_producer(platform.kafka_bootstrap_servers, f"{runtime.name}-relay")
        await relay_producer.start()
        timers = runtime.app.timers
        assert timers is not None
        followers = [
            LogFollower(
                runtime.app,
                runtime.name,
                name,
                factory(runtime),
                PostgresPositions(settings.dsn, f"{runtime.name}:follower:{name}"),
            )
            for name, factory in runtime.spec.followers.items()
        ]
        wakes = [asyncio.Event() for _ in followers]
        relay = OutboxRelay(
            runtime.app,
            runtime.spec.translate,
            runtime.topic,
            relay_producer,
            settings.dsn,
            batch_size=settings.relay_batch_size,
            interval=settings.relay_interval_seconds,
            subscribers=[timer_index(timers)],
            faults=runtime.fault,
            on_published=after_relay(runtime.metrics.events_published.inc, timers, wakes),
        )
        intake = Intake(
            runtime.consumer,
            runtime.metrics,
            platform.kafka_bootstrap_servers,
            consumer_group(runtime),
            runtime.consumes,
            batch_size=settings.consumer_batch_size,
        )
        log.info("worker background started", extra={"topic": runtime.topic, "consumes": list(runtime.consumes)})

        def leading() -> bool:
            return relay.is_leader

        try:
            await asyncio.gather(
                intake.run(stop),
                relay.run(stop),
                timers.run(stop, settings.timer_interval_seconds, leading, TIMER_IDLE_POLL),
                *(
                    f.run(stop, settings.follower_interval_seconds, leading, wake, FOLLOWER_IDLE_POLL)
                    for f, wake in zip(followers, wakes, strict=True)
                ),
            )
        finally:
            stop.set()
            await relay_producer.stop()
            await runtime.dead_letters.close()

    return app


def timer_index(timers: TimerService) -> Callable[[Any, list[tuple[int, Any]]], None]:
    """The relay's subscriber that indexes a batch's timers, telling the timer loop of the earliest
    deadline it indexed (woken once the relay's transaction committed: `after_relay`)."""

    def index(conn: Any, batch: list[tuple[int, Any]]) -> None:
        earliest = index_timers(conn, batch)
        if earliest is not None:
            timers.scheduled(earliest)

    return index


def after_relay(
    count: Callable[[int], None], timers: TimerService, wakes: list[asyncio.Event]
) -> Callable[[int], None]:
    """What follows each relay batch, once its transaction committed: the published count, the timer
    loop woken for a deadline sooner than it knew of, the log followers woken (new events are in the log)."""

    def published(n: int) -> None:
        count(n)
        timers.indexed()
        for wake in wakes:
            wake.set()

    return published


def run_worker(runtime: Runtime[Any]) -> None:
    """Entry point body for `python -m services.<name>.worker` (Faust's CLI: `worker -l info`)."""
    import sys

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # before Faust makes its loop
    app = build_worker(runtime)
    if len(sys.argv) == 1:
        sys.argv += ["worker", "-l", "info"]
    if sys.argv[1] == "worker":
        # Faust's own log handler writes to /dev/null; ours (JSON, stderr) is in `loghandlers`.
        sys.argv += ["--without-web", "--logfile", "/dev/null"]
    app.main()


def service_worker(bootstrap: Callable[[], Runtime[Any]]) -> Callable[[], None]:
    """A service's `worker.py` entry point: `main = service_worker(bootstrap)`."""

    def main() -> None:
        runtime = bootstrap()
        platform = runtime.settings.platform
        configure_logging(runtime.name, platform.log_level, platform.log_repeat_seconds)
        run_worker(runtime)

    return main
