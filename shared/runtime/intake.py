"""Consuming in batches below Faust's agents: inside the Faust worker (a task of its app, see
`worker.py`), a plain aiokafka consumer in the service's consumer group (the Faust app id, so the
offsets Faust's agents committed are where it resumes) reads what has arrived (`getmany`: one message
at idle, up to the batch size under load, never waiting for a batch to fill) and hands each
partition's batch to the tracked consumer.

Faust's agent path (its consumer thread, the hand-off of every fetch to the event loop, the stream's
per-event machinery) cost ~20 times aiokafka's CPU per message in `make bench` (`agent_bench`), so
Faust keeps the worker (CLI, lifecycle, logging, signals, its tasks) and this reads the topics.

Offsets are committed after the batch was applied, once `commit_interval` seconds have passed since
the last commit (a quiet intake waits in `getmany` until then, not longer), before partitions are
revoked and on shutdown. With nothing to commit it waits up to `idle_wait` seconds for messages (they
end the wait as they arrive). The broker's long poll stays at aiokafka's 0.5 s: a partition whose
records were taken is fetched again only once the fetch in flight to its broker (for the other
partitions) returns, so a longer poll would delay messages under load (tried with 3 s: p50
placed->confirmed 150-1,700 ms against 220-260). A crash or a rebalance can redeliver what was applied
but not yet committed; its tracking rows make that a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from shared.runtime.consumer import BatchResult, TrackedConsumer
from shared.runtime.messages import Incoming
from shared.runtime.metrics import Metrics

log = logging.getLogger("hallmark.intake")


def incoming(record: Any) -> Incoming:
    headers = tuple((str(k), bytes(v) if v is not None else b"") for k, v in record.headers or ())
    return Incoming(record.topic, record.partition, record.offset, record.key, bytes(record.value), headers)


class Intake(ConsumerRebalanceListener):
    def __init__(
        self,
        consumer: TrackedConsumer,
        metrics: Metrics,
        bootstrap: str,
        group: str,
        topics: tuple[str, ...],
        *,
        batch_size: int = 200,
        commit_interval: float = 1.0,
        idle_wait: float = 10.0,
    ) -> None:
        self.tracked = consumer
        self.metrics = metrics
        self.group = group
        self.topics = topics
        self.batch_size = batch_size
        self.commit_interval = commit_interval
        self.idle_wait = idle_wait
        self.pending: dict[TopicPartition, int] = {}  # next offset to commit, per partition applied
        self.committed_at = time.monotonic()
        self.kafka = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            client_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,  # a third of the session timeout, as Kafka advises
        )

    async def run(self, stop: asyncio.Event) -> None:
        if not self.topics:
            return
        await self.kafka.start()
        try:
            self.kafka.subscribe(list(self.topics), listener=self)
            log.info("intake joining the group", extra={"group": self.group, "topics": list(self.topics)})
            while not stop.is_set():
                batches = await self.kafka.getmany(timeout_ms=self.wait_ms(), max_records=self.batch_size)
                if batches:
                    await self.apply(batches)
                if self.pending and time.monotonic() - self.committed_at >= self.commit_interval:
                    await self.commit()
        finally:
            await asyncio.shield(self.close())

    def wait_ms(self) -> int:
        """How long `getmany` may wait for messages: until the next commit is due, if one is pending."""
        if not self.pending:
            return int(self.idle_wait * 1000)
        return max(0, int((self.committed_at + self.commit_interval - time.monotonic()) * 1000))

    async def close(self) -> None:
        """Commit what was applied (also when the worker is being cancelled), then leave the group."""
        try:
            await self.commit()
        finally:
            await self.kafka.stop()

    async def apply(self, batches: dict[TopicPartition, list[Any]]) -> None:
        """Apply what `getmany` returned (one batch per partition, in one hop to a worker thread); a
        partition whose batch failed is read again from its first message after a pause."""
        outcomes = await self.tracked.handle_many([[incoming(r) for r in records] for records in batches.values()])
        failed = False
        for (tp, records), outcome in zip(batches.items(), outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error(
                    "batch failed; read again",
                    exc_info=outcome,
                    extra={"topic": tp.topic, "partition": tp.partition},
                )
                self.kafka.seek(tp, records[0].offset)
                failed = True
                continue
            self.pending[tp] = records[-1].offset + 1
            self.count(outcome)
        if failed:
            await asyncio.sleep(1.0)

    def count(self, result: BatchResult) -> None:
        self.metrics.consumed("applied", result.applied)
        self.metrics.consumed("duplicate", result.duplicates)
        self.metrics.consumed("ignored", result.ignored)
        self.metrics.consumed("dead_lettered", len(result.dead))
        self.metrics.dead_lettered.inc(len(result.dead))

    async def commit(self, only: set[TopicPartition] | None = None) -> None:
        offsets = {tp: o for tp, o in self.pending.items() if only is None or tp in only}
        if not offsets:
            return
        for tp in offsets:
            del self.pending[tp]
        self.committed_at = time.monotonic()
        try:
            await self.kafka.commit(offsets)
        except KafkaError as exc:  # e.g. a rebalance took the partition: its next owner reads it again
            log.warning("offset commit failed; redelivery is deduplicated", extra={"error": repr(exc)})

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.commit(set(revoked))
        if revoked:
            log.info("partitions revoked", extra={"group": self.group, "partitions": len(revoked)})

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"group": self.group, "partitions": len(assigned)})
