"""Dead letters: recorded in the service's database (for ops to list, retry, skip) and published
to `<topic>.dlq` with the error and the original headers."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from psycopg.rows import dict_row

from shared.events import dlq_topic
from shared.runtime.kafka import reliable_producer
from shared.runtime.messages import Incoming

log = logging.getLogger("hallmark.dlq")


class DeadLetters:
    def __init__(self, dsn: str, consumer: str, bootstrap: str | None = None) -> None:
        self.dsn = dsn
        self.consumer = consumer
        self.bootstrap = bootstrap
        self.producer: AIOKafkaProducer | None = None

    async def _producer(self) -> AIOKafkaProducer | None:
        if self.producer is None and self.bootstrap:
            self.producer = reliable_producer(self.bootstrap, f"{self.consumer}-dlq")
            await self.producer.start()
        return self.producer

    async def close(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    def _record(self, message: Incoming, error: str) -> None:
        headers = [[k, v.decode(errors="replace")] for k, v in message.headers]
        raw_id = message.header("notification_id")
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(
                'INSERT INTO hallmark_dead_letters (consumer, topic, partition, "offset", '
                "notification_id, key, value, headers, error) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                'ON CONFLICT (consumer, topic, partition, "offset") DO NOTHING',
                (
                    self.consumer,
                    message.topic,
                    message.partition,
                    message.offset,
                    int(raw_id) if raw_id and raw_id.isdigit() else None,
                    message.key,
                    message.value,
                    json.dumps(headers),
                    error,
                ),
            )

    async def send(self, message: Incoming, error: str) -> None:
        await asyncio.to_thread(self._record, message, error)
        log.warning(
            "dead-lettered",
            extra={"topic": message.topic, "partition": message.partition, "offset": message.offset, "error": error},
        )
        producer = await self._producer()
        if producer is not None:
            headers = [
                *message.headers,
                ("error", error.encode()),
                ("consumer", self.consumer.encode()),
                ("source_partition", str(message.partition).encode()),
                ("source_offset", str(message.offset).encode()),
            ]
            await producer.send_and_wait(dlq_topic(message.topic), message.value, key=message.key, headers=headers)

    def list(self, conn: psycopg.Connection, status: str | None = "open") -> list[dict[str, Any]]:
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                'SELECT id, topic, partition, "offset", notification_id, error, status, resolved_by, '
                "resolved_at, created_at, convert_from(value, 'UTF8') AS value FROM hallmark_dead_letters "
                "WHERE consumer = %s AND (%s::text IS NULL OR status = %s) ORDER BY id",
                (self.consumer, status, status),
            )
            return list(cur.fetchall())

    def count_open(self, conn: psycopg.Connection) -> int:
        row = conn.execute(
            "SELECT count(*) FROM hallmark_dead_letters WHERE consumer = %s AND status = 'open'",
            (self.consumer,),
        ).fetchone()
        return int(row[0]) if row else 0

    def load(self, conn: psycopg.Connection, letter_id: int) -> Incoming:
        row = conn.execute(
            'SELECT topic, partition, "offset", key, value, headers FROM hallmark_dead_letters '
            "WHERE id = %s AND consumer = %s AND status = 'open'",
            (letter_id, self.consumer),
        ).fetchone()
        if row is None:
            raise LookupError(f"id: no open dead letter {letter_id}")
        topic, partition, offset, key, value, headers = row
        return Incoming(topic, partition, offset, key, bytes(value), tuple((k, v.encode()) for k, v in headers))

    def resolve(self, conn: psycopg.Connection, letter_id: int, action: str, actor: str) -> None:
        cur = conn.execute(
            "UPDATE hallmark_dead_letters SET status = %s, resolved_by = %s, resolved_at = now() "
            "WHERE id = %s AND consumer = %s AND status = 'open'",
            (action, actor, letter_id, self.consumer),
        )
        if cur.rowcount == 0:
            raise LookupError(f"id: no open dead letter {letter_id}")
