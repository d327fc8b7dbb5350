"""Nothing lost, nothing doubled: relay crashes, consumer crashes and poison messages, on the real
broker and the real PostgreSQL stores, with real worker processes (killed by injected faults)."""

from __future__ import annotations

import uuid
from functools import partial

import httpx
import psycopg
from eventsourcing.utils import get_topic

from services.inventory.domain.reservation import Reservation
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from shared.runtime.consumer import FAULT_EXIT_AFTER_APPLY
from shared.runtime.positions import read_position
from shared.runtime.relay import FAULT_EXIT_AFTER_PUBLISH
from tests.infra import HARNESS_PORTS, Harness, eventually
from tests.kafka_helpers import committed, metric, read_all

SKU = "RING-STEEL-PEARL"


def catalogue(harness: Harness, on_hand: int = 100):
    inventory = harness.runtime("inventory")
    inventory.app.catalogue(
        code=SKU, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6, on_hand=on_hand
    )
    return inventory


def reservations_made(inventory) -> int:
    topic = get_topic(Reservation.Made)
    return len(inventory.app.recorder.select_notifications(start=1, limit=10_000, topics=[topic]))


def reserved_order(orders, order_id):
    order = orders.app.get_order(order_id)
    return order if order.reservation else None


def relay_position(runtime) -> int:
    with psycopg.connect(runtime.settings.dsn) as conn:
        return read_position(conn, f"relay:{runtime.topic}")


def test_relay_killed_between_publish_and_position_republishes_and_effects_apply_once(harness: Harness) -> None:
    inventory = catalogue(harness)
    orders = harness.runtime("orders")
    harness.start_worker("inventory")
    harness.start_worker("orders", faults=FAULT_EXIT_AFTER_PUBLISH)
    # The orders service learns the catalogue from inventory.events.
    eventually(lambda: entry_id(SKU) in orders.app.repository, what="catalogue copied to orders")
    position_before = eventually(lambda: relay_position(orders) or None, what="catalogue relayed")

    # Three orders: the relay publishes them, then dies before recording its position.
    order_ids = [orders.app.place_order(f"cust-{i}", [(SKU, 10)]) for i in range(3)]
    assert eventually(lambda: harness.worker_exit_code("orders"), what="relay crash") == 70
    assert relay_position(orders) == position_before
    published_before_crash = len(read_all(harness.infra.bootstrap, orders.topic))
    assert published_before_crash >= 1

    # Restart: the relay republishes from its recorded position, so the topic holds duplicates ...
    harness.start_worker("orders")
    eventually(lambda: relay_position(orders) == orders.app.max_notification_id(), what="relay caught up")
    assert len(read_all(harness.infra.bootstrap, orders.topic)) == published_before_crash + 3

    # ... but every effect happened once: 3 reservations of 10, and each order recorded one.
    eventually(lambda: reservations_made(inventory) == 3, what="three reservations")
    assert inventory.app.get_sku(SKU).reserved == 30
    for order_id in order_ids:
        order = eventually(partial(reserved_order, orders, order_id), what="reservation recorded on the order")
        assert order.version == 2
    assert reservations_made(inventory) == 3


def test_message_redelivered_after_consumer_crash_is_applied_once(harness: Harness) -> None:
    inventory = catalogue(harness)
    orders = harness.runtime("orders")
    orders.app.save(CatalogueEntry(sku=SKU, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6))
    harness.start_worker("inventory", faults=FAULT_EXIT_AFTER_APPLY)
    harness.start_worker("orders")
    order_id = orders.app.place_order("cust-1", [(SKU, 7)])

    # The inventory worker applies the order, then crashes before Kafka hears of it.
    assert eventually(lambda: harness.worker_exit_code("inventory"), what="consumer crash") == 71
    assert reservations_made(inventory) == 1
    group = f"{harness.prefix}hallmark-inventory"
    record = read_all(harness.infra.bootstrap, orders.topic)[-1]
    tp = (record.topic, record.partition)
    assert committed(harness.infra.bootstrap, group).get(tp, -1) <= record.offset

    # Restart: Kafka redelivers the message; the tracking record makes it a no-op.
    harness.start_worker("inventory")
    eventually(
        lambda: committed(harness.infra.bootstrap, group).get(tp, -1) > record.offset,
        what="redelivered message committed",
    )
    metrics_url = f"http://127.0.0.1:{HARNESS_PORTS.services['inventory'] + 100}/metrics"
    text = eventually(
        lambda: (
            (t := httpx.get(metrics_url).text)
            and metric(t, "hallmark_events_consumed_total", outcome="duplicate") >= 1
            and t
        ),
        what="duplicate counted",
    )
    assert metric(text, "hallmark_events_consumed_total", outcome="duplicate") == 1
    assert metric(text, "hallmark_events_consumed_total", outcome="applied") == 0
    assert reservations_made(inventory) == 1
    assert inventory.app.get_sku(SKU).reserved == 7
    assert eventually(lambda: orders.app.get_order(order_id).version == 2, what="order saw reservation")
    assert uuid.UUID(str(order_id))
