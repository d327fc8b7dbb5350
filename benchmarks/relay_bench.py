"""The outbox relay against a raw aiokafka producer sending the same messages (payload, key, headers)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer

from benchmarks.measure import Run, Timed, repeat_async, report
from shared.runtime.chain import chain_header, log_tables, read_hashes
from shared.runtime.kafka import reliable_producer
from shared.runtime.positions import write_position
from shared.runtime.relay import OutboxRelay
from shared.runtime.timers import index_timers
from shared.runtime.translate import envelope_for


def messages_of(relay: OutboxRelay) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """What the relay sends for the whole log: (value, key, headers) per message, its chain hash header too."""
    assert relay._conn is not None
    hashes = read_hashes(relay._conn, log_tables(relay.app), 1, 1 << 62)
    out = []
    for notification in relay.app.recorder.select_notifications(start=1, limit=1 << 30):
        domain_event = relay.app.mapper.to_domain_event(notification)
        outbound = relay.translate(domain_event)
        if outbound is None:
            continue
        envelope = envelope_for(relay.service, domain_event, outbound)
        headers = [
            ("notification_id", str(notification.id).encode()),
            ("event_type", envelope.event_type.encode()),
            ("schema_version", str(envelope.schema_version).encode()),
            ("correlation_id", envelope.correlation_id.encode()),
            *chain_header(hashes, notification.id),
        ]
        out.append((envelope.to_json(), (envelope.order_id or envelope.aggregate_id).encode(), headers))
    return out


async def raw_send(producer: AIOKafkaProducer, topic: str, messages: list[Any]) -> None:
    futures = [await producer.send(topic, value, key=key, headers=headers) for value, key, headers in messages]
    await asyncio.gather(*futures)


async def bench_relay(runtime: Any, bootstrap: str, raw_topic: str) -> float:
    """The relay publishes the whole log (orders placed beforehand, not timed) from position 0 in each
    run (a republish, as after a crash); the raw producer sends the same messages to its own topic.
    Rates count messages sent (carts' events are read and recorded, but not published)."""
    producer = reliable_producer(bootstrap, "bench-relay")
    await producer.start()
    try:
        sent: list[int] = []
        relay = OutboxRelay(
            runtime.app,
            runtime.spec.translate,
            runtime.topic,
            producer,
            runtime.settings.dsn,
            subscribers=[index_timers],
            on_published=sent.append,
        )
        assert await asyncio.to_thread(relay._try_lead)
        messages = messages_of(relay)
        await raw_send(producer, raw_topic, messages[:500])  # warm-up: connections, metadata, leaders
        await rewind(relay)
        await relay.pump_once()

        async def relayed(_: int) -> Run:
            await rewind(relay)
            sent.clear()
            with Timed() as t:
                while await relay.pump_once():
                    pass
            assert sum(sent) == len(messages)
            return Run(sum(sent), t.seconds, t.cpu)

        async def raw(_: int) -> Run:
            with Timed() as t:
                await raw_send(producer, raw_topic, messages)
            return Run(len(messages), t.seconds, t.cpu)

        print(f"outbox relay, {len(messages)} OrderPlaced (read the log, translate, publish, record the position)")
        part, baseline = await repeat_async(relayed), await repeat_async(raw)
        relay.close()
        return report("outbox relay", part, "raw aiokafka producer, same messages", baseline, 0.8)
    finally:
        await producer.stop()


async def rewind(relay: OutboxRelay) -> None:
    def reset() -> None:
        assert relay._conn is not None
        with relay._conn.transaction():
            write_position(relay._conn, relay.position_name, 0)
        relay._position = None  # the relay keeps its position in memory while it leads

    await asyncio.to_thread(reset)
