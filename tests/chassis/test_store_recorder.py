"""The store's recorder (shared/runtime/recorder.py) on the real PostgreSQL: a transaction is recorded by
one statement that keeps eventsourcing's guarantees. The tracking row commits with the events or not at
all, a stale tracking id or a taken version fails the whole transaction, one NOTIFY per transaction wakes
the relay, and writers in parallel leave a log whose ids commit in order and whose chain recomputes."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import sql

from services.orders.domain.catalogue import CatalogueEntry, entry_id
from shared.runtime.chain import digest, genesis, link, log_tables
from shared.runtime.recorder import HallmarkRecorder
from tests.infra import Harness


def entry(tag: str) -> CatalogueEntry:
    return CatalogueEntry(sku=f"REC-{tag}", name="r", unit_price_minor=100, currency="USD", moq=1, weight_grams=1)


def tracked(app: Any, name: str, notification_id: int, *aggregates: Any) -> None:
    processing_event = ProcessingEvent[uuid.UUID](
        tracking=Tracking(application_name=name, notification_id=notification_id)
    )
    processing_event.collect_events(*aggregates)
    app.record(processing_event)


def test_the_tracking_row_commits_with_the_events_or_not_at_all(harness: Harness) -> None:
    app = harness.runtime("orders").app
    assert isinstance(app.recorder, HallmarkRecorder)
    tracked(app, "topic:0", 5, entry("a"), entry("b"))
    before = app.max_notification_id()
    assert app.recorder.max_tracking_id("topic:0") == 5

    with pytest.raises(IntegrityError):  # a tracking id not above the recorded one: nothing of it is kept
        tracked(app, "topic:0", 5, entry("c"))
    assert app.max_notification_id() == before

    stale = app.repository.get(entry_id("REC-a"))
    fresh = app.repository.get(entry_id("REC-a"))
    fresh.relist(name="renamed", unit_price_minor=100, currency="USD", moq=1, weight_grams=1)
    app.save(fresh)
    stale.relist(name="stale", unit_price_minor=100, currency="USD", moq=1, weight_grams=1)
    with pytest.raises(IntegrityError):  # a version already taken: the tracking row is not kept either
        tracked(app, "topic:0", 6, stale, entry("d"))
    assert app.recorder.max_tracking_id("topic:0") == 5
    assert app.max_notification_id() == before + 1

    tracked(app, "topic:0", 6)  # tracking only, no events
    assert app.recorder.max_tracking_id("topic:0") == 6 and app.max_notification_id() == before + 1


def test_one_notify_per_transaction_on_the_channel_the_relay_listens_on(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    app = runtime.app
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as listener:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(app.recorder.channel_name)))
        app.save(entry("n1"), entry("n2"), entry("n3"))
        app.save(entry("n4"))
        received = list(listener.notifies(timeout=1.0))
    assert len(received) == 2


def test_writers_in_parallel_leave_ids_in_commit_order_and_a_chain_that_recomputes(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    app = runtime.app
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for i in range(40):
                app.save(*(entry(f"w{w}-{i}-{k}") for k in range(1 + i % 3)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors

    tables = log_tables(app)
    assert tables is not None
    with psycopg.connect(runtime.settings.dsn) as conn:
        events = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                "ORDER BY notification_id"
            ).format(tables.events)
        ).fetchall()
        chain: dict[int, bytes] = dict(
            conn.execute(sql.SQL("SELECT notification_id, hash FROM {}").format(tables.chain)).fetchall()
        )
    ids = [row[0] for row in events]
    assert len(ids) >= 4 * sum(1 + i % 3 for i in range(40)) and ids == list(range(ids[0], ids[0] + len(ids)))
    previous = genesis("orders")
    for notification_id, originator_id, version, topic, state in events:
        previous = link(previous, digest(notification_id, originator_id, version, topic, bytes(state)))
        assert bytes(chain[notification_id]) == previous, notification_id
