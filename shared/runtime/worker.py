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
from shared.runtime.timers import index_timers

log = logging.getLogger("hallmark.worker")


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
        relay = OutboxRelay(
            runtime.app,
            runtime.spec.translate,
            runtime.topic,
            relay_producer,
            settings.dsn,
            batch_size=settings.relay_batch_size,
            interval=settings.relay_interval_seconds,
            subscribers=[index_timers],
            faults=runtime.fault,
            on_published=runtime.metrics.events_published.inc,
        )
        assert runtime.app.timers is not None
        intake = Intake(
            runtime.consumer,
            runtime.metrics,
            platform.kafka_bootstrap_servers,
            consumer_group(runtime),
            runtime.consumes,
            batch_size=settings.consumer_batch_size,
        )
        log.info("worker background started", extra={"topic": runtime.topic, "consumes": list(runtime.consumes)})
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
        try:
            await asyncio.gather(
                intake.run(stop),
                relay.run(stop),
                runtime.app.timers.run(stop, settings.timer_interval_seconds, lambda: relay.is_leader),
                *(f.run(stop, settings.follower_interval_seconds, lambda: relay.is_leader) for f in followers),
            )
        finally:
            stop.set()
            await relay_producer.stop()
            await runtime.dead_letters.close()

    return app


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
