"""Durable timers fire once, through the manual clock; one relay leads, the others stand by."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer

from shared.runtime.relay import OutboxRelay
from shared.runtime.timers import Timer, index_timers, timer_id
from tests.infra import Harness, eventually


async def pump(runtime) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.platform.kafka_bootstrap_servers)
    await producer.start()
    relay = OutboxRelay(
        runtime.app, runtime.spec.translate, runtime.topic, producer, runtime.settings.dsn, subscribers=[index_timers]
    )
    try:
        assert await asyncio.to_thread(relay._try_lead)
        return await relay.pump_once()
    finally:
        relay.close()
        await producer.stop()


def test_X1_durable_timer_fires_once_when_the_manual_clock_passes_its_deadline(harness: Harness) -> None:
    runtime = harness.runtime("tickets")
    timers = runtime.app.timers
    due = runtime.clock.now() + timedelta(hours=1)
    runtime.app.save(Timer(kind="test-deadline", target="x-1", due_at=due))
    assert timers.schedule.__self__ is timers  # scheduling twice is a no-op:
    from eventsourcing.application import ProcessingEvent

    pe: ProcessingEvent = ProcessingEvent()
    timers.schedule(pe, "test-deadline", "x-1", due)
    assert pe.events == []
    asyncio.run(pump(runtime))  # the relay indexes the Scheduled event

    assert timers.due() == []
    runtime.clock.advance(3600)
    assert timers.due() == [timer_id("test-deadline", "x-1")]
    with ThreadPoolExecutor(2) as pool:  # two loops racing: one firing wins
        results = list(pool.map(timers.fire, [timer_id("test-deadline", "x-1")] * 2))
    assert sorted(results) == [False, True]
    asyncio.run(pump(runtime))
    assert timers.due() == []
    assert [e["type"] for e in runtime.app.history(timer_id("test-deadline", "x-1"))] == [
        "Timer.Scheduled",
        "Timer.Fired",
    ]


def test_one_relay_leads_and_a_second_stands_by_until_the_first_goes(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    first = OutboxRelay(runtime.app, runtime.spec.translate, runtime.topic, None, runtime.settings.dsn)
    second = OutboxRelay(runtime.app, runtime.spec.translate, runtime.topic, None, runtime.settings.dsn)
    try:
        assert first._try_lead() is True
        assert second._try_lead() is False
        first.close()  # the server frees the lock when that session ends, a moment later: the standby polls
        assert eventually(second._try_lead, timeout=10, what="standby takes over") is True
    finally:
        first.close()
        second.close()


def one_statement_per_event(conn: psycopg.Connection, batch: list[tuple[int, Any]]) -> None:
    """The timer index as it was before batches: the reference the batch form must equal."""
    for _, e in batch:
        if isinstance(e, Timer.Scheduled):
            conn.execute(
                "INSERT INTO hallmark_timers (timer_id, kind, target, due_at) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT (timer_id) DO NOTHING",
                (e.originator_id, e.kind, e.target, e.due_at),
            )
        elif isinstance(e, (Timer.Fired, Timer.Cancelled)):
            conn.execute("UPDATE hallmark_timers SET fired = true WHERE timer_id = %s", (e.originator_id,))


def test_X1_the_timer_index_per_batch_equals_one_statement_per_timer_event_in_log_order(harness: Harness) -> None:
    runtime = harness.runtime("tickets")
    now = datetime(2026, 11, 28, 10, tzinfo=UTC)
    timers = {name: Timer(kind="k", target=name, due_at=now + timedelta(minutes=i)) for i, name in enumerate("ABCDEG")}
    scheduled = {name: t.collect_events()[0] for name, t in timers.items()}
    timers["C"].cancel()
    for name in "AEG":
        timers[name].fire(at=now)
    firing = {name: timers[name].collect_events()[0] for name in "ACEG"}
    earlier = [scheduled["A"], scheduled["B"], scheduled["G"]]  # indexed by an earlier batch
    batch = [
        scheduled["C"], firing["C"],  # scheduled and cancelled in one batch
        firing["A"],  # fired: indexed before
        scheduled["D"],
        scheduled["B"],  # republished (a relay rewound after a crash): already indexed
        firing["E"], scheduled["E"],  # a firing before its Scheduled: the update finds nothing
        firing["G"], scheduled["G"],  # the same, indexed before: stays fired
    ]  # fmt: skip

    def index_with(subscriber: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(runtime.settings.dsn) as conn, conn.transaction(force_rollback=True):
            for step in (earlier, batch):
                with conn.pipeline():
                    subscriber(conn, list(enumerate(step)))
            return conn.execute("SELECT target, due_at, fired FROM hallmark_timers ORDER BY target").fetchall()

    reference = index_with(one_statement_per_event)
    assert index_with(index_timers) == reference
    assert [(target, fired) for target, _, fired in reference] == [
        ("A", True), ("B", False), ("C", True), ("D", False), ("E", False), ("G", True),
    ]  # fmt: skip
