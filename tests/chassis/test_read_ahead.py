"""Reading a batch's aggregates ahead (shared/runtime/prefetch.py) on the real PostgreSQL store gives
the same state as eventsourcing's repository: an order past its snapshot (snapshot + tail), an order
without one, and an id with no events (not found without asking again); `load` hands a copy out once;
the partition's recorded tracking id comes in the same statement."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import Tracking

from services.orders.domain.catalogue import CatalogueEntry
from shared.runtime.prefetch import load_many, prefetched, read_ahead
from shared.runtime.store import aggregate_state
from tests.infra import Harness


def test_read_ahead_equals_the_repository_with_and_without_snapshots(harness: Harness) -> None:
    app = harness.runtime("orders").app
    app.save(CatalogueEntry(sku="RA-1", name="r", unit_price_minor=100, currency="USD", moq=1, weight_grams=1))
    long_lived = app.place_order("cust-read-ahead-1", [("RA-1", 1)])
    for i in range(120):  # orders are snapshotted every 100 events
        app.change_order(long_lived, "am-read-ahead", f"change {i}", [("RA-1", 1 + i % 3)])
    fresh = app.place_order("cust-read-ahead-2", [("RA-1", 2)])
    absent = uuid.uuid4()
    assert app.snapshots is not None and app.snapshots.recorder.select_events(long_lived, desc=True, limit=1)

    ahead = load_many(app, [long_lived, fresh, absent, fresh])

    assert set(ahead) == {long_lived, fresh, absent} and ahead[absent] is None
    for order_id in (long_lived, fresh):
        stored = app.repository.get(order_id)
        assert ahead[order_id].version == stored.version
        assert aggregate_state(ahead[order_id]) == aggregate_state(stored)
    assert ahead[long_lived].version == 121

    read_ahead = ahead[fresh]
    token = prefetched.set(ahead)
    try:
        first = app.load(fresh)
        assert first is read_ahead and fresh not in ahead  # handed out once
        assert app.load(fresh) is not first  # asked again: read the usual way
        with pytest.raises(AggregateNotFoundError):
            app.load(absent)
    finally:
        prefetched.reset(token)


def test_the_recorded_tracking_id_is_read_with_the_aggregates(harness: Harness) -> None:
    app = harness.runtime("orders").app
    app.save(CatalogueEntry(sku="RA-2", name="r", unit_price_minor=100, currency="USD", moq=1, weight_grams=1))
    order_id = app.place_order("cust-read-ahead-3", [("RA-2", 1)])
    processing_event = ProcessingEvent[uuid.UUID](tracking=Tracking(application_name="topic:3", notification_id=7))
    app.record(processing_event)

    seen, ahead = read_ahead(app, "topic:3", [order_id])
    assert seen == 7 and ahead[order_id].version == app.repository.get(order_id).version
    assert read_ahead(app, "topic:4", [])[0] == 0
