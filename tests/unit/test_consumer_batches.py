"""The tracked consumer's per-batch costs: a partition batch the service ignores is told apart by its
headers (no query, no thread), and a `getmany` result's batches go to the worker thread in one hop, each
applied in its own transaction and retried on its own (NotYet, store outage), as if alone."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from services.orders.bootstrap import bootstrap
from services.orders.domain.catalogue import entry_id
from services.orders.settings import OrdersSettings
from shared.runtime.messages import Incoming
from tests.unit.orders.scenario import Scenario
from tests.unit.orders.test_topic_order import dispatched, quoted_order
from tests.unit.test_tracked_consumer import message, sku


def ignored(nid: int, partition: int = 0) -> Incoming:
    headers = (("notification_id", str(nid).encode()), ("event_type", b"HoldPlaced"))
    return Incoming("inventory.events", partition, nid, b"k", b"not json", headers)


def queries(runtime: Any) -> list[str]:
    """Every tracking read of the in-memory store (what `read_ahead` asks), recorded by name."""
    asked: list[str] = []
    real = runtime.app.recorder.max_tracking_id

    def spy(name: str) -> int | None:
        asked.append(name)
        return real(name)

    runtime.app.recorder.max_tracking_id = spy
    return asked


def threads(runtime: Any) -> list[str]:
    """The thread each call of `apply_batch` ran in."""
    seen: list[str] = []
    real = runtime.consumer.apply_batch

    def spy(messages: list[Incoming], final: bool = False) -> Any:
        seen.append(threading.current_thread().name)
        return real(messages, final)

    runtime.consumer.apply_batch = spy
    return seen


def test_a_batch_the_service_ignores_costs_no_query_and_no_thread() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    asked, ran = queries(runtime), threads(runtime)
    result = asyncio.run(runtime.consumer.handle([ignored(1), ignored(2)]))
    assert (result.applied, result.ignored, result.duplicates, result.dead) == (0, 2, 0, [])
    assert (asked, ran) == ([], [])
    direct = runtime.consumer.apply_batch([ignored(3)])  # called directly (tests, ops): no query either
    assert (direct.ignored, asked) == (1, [])


def test_an_ignored_message_at_or_below_the_known_tracking_id_counts_as_a_duplicate() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    assert runtime.consumer.apply_batch([message(5, "SkuCatalogued", sku("A"))]).applied == 1
    asked = queries(runtime)
    result = asyncio.run(runtime.consumer.handle([ignored(4), ignored(5), ignored(6)]))
    assert (result.duplicates, result.ignored, asked) == (2, 1, [])


def test_a_message_without_notification_id_in_an_ignored_batch_is_dead_lettered() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    no_id = Incoming("inventory.events", 0, 7, b"k", b"{}", (("event_type", b"HoldPlaced"),))
    result = runtime.consumer.apply_batch([ignored(1), no_id])
    assert (result.ignored, [error for _, error in result.dead]) == (
        1,
        ["headers.notification_id: missing or not a positive integer"],
    )


def test_the_batches_of_one_poll_go_to_the_worker_thread_in_one_hop_each_in_its_own_transaction() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    ran = threads(runtime)
    batches = [
        [message(1, "SkuCatalogued", sku("A")), message(2, "SkuCatalogued", sku("B"))],
        [ignored(1, partition=1)],
        [message(3, "SkuCatalogued", sku("C"), partition=2)],
    ]
    outcomes = asyncio.run(runtime.consumer.handle_many(batches))
    assert [(o.applied, o.ignored) for o in outcomes if not isinstance(o, Exception)] == [(2, 0), (0, 1), (1, 0)]
    assert len(ran) == 2 and len(set(ran)) == 1 and ran[0] != threading.main_thread().name
    recorder = runtime.app.recorder
    assert [recorder.max_tracking_id(f"inventory.events:{p}") for p in range(3)] == [2, None, 3]


def test_a_batch_waiting_for_an_earlier_event_waits_alone_while_the_others_apply() -> None:
    s = Scenario()
    order_id = quoted_order(s)
    s.runtime.consumer.not_yet_seconds = 0.3
    sent: list[str] = []

    async def dead_letter(message: object, error: str) -> None:
        sent.append(error)

    s.runtime.consumer.dead_letters.send = dead_letter  # type: ignore[method-assign]
    first = dispatched(s, order_id, 9002)
    assert isinstance(first, Incoming)
    early = dataclasses.replace(first, partition=3)
    outcomes = asyncio.run(
        s.runtime.consumer.handle_many([[early], [message(1, "SkuCatalogued", sku("Z"), partition=5)]])
    )
    waited, applied = outcomes
    assert not isinstance(waited, Exception) and not isinstance(applied, Exception)
    assert (waited.applied, len(waited.dead), applied.applied) == (0, 1, 1)
    assert sent == [f"NotYet: order {order_id}: dispatched before orders has seen the shipping payment"]
    assert entry_id("Z") in s.app.repository


def test_a_store_outage_retries_only_the_batch_it_hit() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    real = runtime.app.process_batch
    hit: list[str] = []

    def flaky(items: list, name: str) -> None:  # partition 0 finds the store down once
        hit.append(name)
        if name == "inventory.events:0" and hit.count(name) == 1:
            raise OperationalError("server closed the connection")
        real(items, name)

    runtime.app.process_batch = flaky  # type: ignore[method-assign,assignment]
    outcomes = asyncio.run(
        runtime.consumer.handle_many(
            [[message(1, "SkuCatalogued", sku("A"))], [message(2, "SkuCatalogued", sku("B"), partition=1)]]
        )
    )
    assert [o.applied for o in outcomes if not isinstance(o, Exception)] == [1, 1]
    assert hit == ["inventory.events:0", "inventory.events:1", "inventory.events:0"]


def test_a_batch_that_fails_is_handed_back_without_stopping_the_others() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")

    async def broken(message: object, error: str) -> None:
        raise RuntimeError("dead-letter topic unavailable")

    runtime.consumer.dead_letters.send = broken  # type: ignore[method-assign]
    bad = Incoming("inventory.events", 0, 8, b"k", b"\xff", (("notification_id", b"9"),))
    failed, applied = asyncio.run(
        runtime.consumer.handle_many([[bad], [message(1, "SkuCatalogued", sku("A"), partition=1)]])
    )
    assert isinstance(failed, RuntimeError) and not isinstance(applied, Exception) and applied.applied == 1
    with pytest.raises(RuntimeError):
        asyncio.run(runtime.consumer.handle([bad]))
