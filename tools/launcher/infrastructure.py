"""Kafka and PostgreSQL for a stack (started here unless the config names running ones), and each
namespace's topics and service databases on them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shared.events import PARTITIONS, SERVICES, all_topics
from shared.runtime.kafka import create_topics, wait_for_topics
from shared.runtime.settings import PlatformSettings, ServiceSettings
from shared.runtime.store import ensure_database
from tools.launcher.config import StackConfig
from tools.launcher.kafka import KafkaNode
from tools.launcher.postgres import PostgresCluster, kept_data_dir
from tools.launcher.processes import ProcessTable, timed


class Infrastructure:
    def __init__(self, config: StackConfig, run_dir: Path) -> None:
        self.config = config
        self.run_dir = run_dir
        ports, durable = config.ports, config.durable
        self.kafka = KafkaNode(ports.kafka, ports.kafka_controller, run_dir, partitions=PARTITIONS, durable=durable)
        kept = kept_data_dir(run_dir) if durable and not config.database_url else None
        self.postgres = PostgresCluster(ports.postgres, durable=durable, kept_dir=kept)

    @property
    def bootstrap(self) -> str:
        return self.config.kafka_bootstrap or self.kafka.bootstrap

    @property
    def database_url(self) -> str:
        return self.config.database_url or self.postgres.url

    def start(self, processes: ProcessTable, timings: dict[str, float]) -> None:
        """Start what the config does not name (PostgreSQL, then Kafka), then prepare the namespace."""
        if not self.config.database_url:
            with timed(timings, "postgres"):
                self.postgres.start(self.run_dir / "logs" / "postgres.log")
            processes.record("postgres", self.postgres.pid or 0)
        if not self.config.kafka_bootstrap:
            # A log kept without the databases it came from (a cluster just created next to it, e.g. the
            # first start after a launcher that kept no data) would only replay a past that is gone.
            fresh = bool(self.postgres.created and not self.config.database_url)
            with timed(timings, "kafka"):
                self.kafka.start(fresh=fresh)
            processes.record("kafka", self.kafka.pid or 0)
        with timed(timings, "topics+databases"):
            self.prepare_namespace()

    def prepare_namespace(self) -> None:
        """Create this namespace's topics (fixed partition count) and service databases."""
        prefix = f"{self.config.namespace}." if self.config.namespace else ""
        topics = [prefix + t for t in all_topics()]

        async def create() -> None:
            await create_topics(self.bootstrap, PARTITIONS, topics)
            await wait_for_topics(self.bootstrap, topics, within_seconds=60)

        asyncio.run(create())
        for service in SERVICES:
            settings = ServiceSettings(
                service_name=service,
                platform=PlatformSettings(database_url=self.database_url, namespace=self.config.namespace),
            )
            ensure_database(settings.dsn)

    # --- crashes and restarts (the fault suite) -------------------------------------------------
    def crash(self, component: str, processes: ProcessTable) -> None:
        """kill -9 the broker, or stop PostgreSQL in 'immediate' mode; their data stays."""
        if component == "kafka":
            self.kafka.kill()
        else:
            self.postgres.stop_immediately()
        processes.forget(component)

    def restart(self, component: str, processes: ProcessTable) -> None:
        """Start a crashed component again on the data it had."""
        if component == "kafka":
            self.kafka.start(keep=True)
            processes.record("kafka", self.kafka.pid or 0)
        else:
            self.postgres.start(self.run_dir / "logs" / "postgres.log", keep=True)
            processes.record("postgres", self.postgres.pid or 0)

    def stop(self, processes: ProcessTable) -> None:
        """Stop what this stack started (a no-op for what it was given)."""
        self.kafka.stop()
        processes.forget("kafka")
        self.postgres.stop()
        processes.forget("postgres")
