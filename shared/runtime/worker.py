"""The Faust worker every service runs: one agent per consumed topic (decode, hand to the tracked
consumer, nothing else), plus the outbox relay, the due-timer loop and a metrics endpoint."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust
from prometheus_client import start_http_server

from shared.events import PARTITIONS
from shared.runtime.batching import take_ready
from shared.runtime.follower import LogFollower, PostgresPositions
from shared.runtime.kafka import reliable_producer
from shared.runtime.logs import configure_logging
from shared.runtime.messages import Incoming
from shared.runtime.relay import OutboxRelay
from shared.runtime.service import Runtime
from shared.runtime.timers import index_timers

log = logging.getLogger("hallmark.worker")


def _incoming(event: Any) -> Incoming:
    message = event.message
    raw_headers = message.headers or []
    items = raw_headers.items() if isinstance(raw_headers, dict) else raw_headers
    headers = tuple((str(k), bytes(v) if v is not None else b"") for k, v in items)
    return Incoming(message.topic, message.partition, message.offset, message.key, bytes(message.value), headers)


def build_worker(runtime: Runtime[Any]) -> faust.App:
    settings = runtime.settings
    platform = settings.platform
    datadir = Path(tempfile.gettempdir()) / "hallmark-faust" / f"{platform.topic_prefix}{runtime.name}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    brokers = [f"kafka://{h.strip()}" for h in platform.kafka_bootstrap_servers.split(",")]
    app = faust.App(
        f"{platform.topic_prefix}hallmark-{runtime.name}",
        broker=brokers,
        web_enabled=False,
        topic_allow_declare=False,
        topic_disable_leader=True,
        topic_partitions=PARTITIONS,
        store="memory://",
        datadir=str(datadir),
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        producer_acks=-1,
        loghandlers=[h for h in logging.getLogger().handlers],
    )

    for topic_name in runtime.consumes:
        topic = app.topic(
            topic_name, value_serializer="raw", key_serializer="raw", partitions=PARTITIONS, allow_empty=True
        )

        async def consume(stream: Any, _topic: str = topic_name) -> None:
            async for events in take_ready(stream, settings.consumer_batch_size):
                result = await runtime.consumer.handle([_incoming(e) for e in events])
                runtime.metrics.consumed("applied", result.applied)
                runtime.metrics.consumed("duplicate", result.duplicates)
                runtime.metrics.consumed("ignored", result.ignored)
                runtime.metrics.consumed("dead_lettered", len(result.dead))
                runtime.metrics.dead_lettered.inc(len(result.dead))

        app.agent(topic, name=f"{runtime.name}.consume.{topic_name}")(consume)

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
        log.info("worker background started", extra={"topic": runtime.topic})
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
