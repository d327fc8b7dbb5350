"""`audit verify` on the real PostgreSQL store and the real broker: an altered event, a message the relay
was made to skip, a republished batch, a chain rewritten after publication, an acknowledged message no
consumer tracked, and a log chained from its genesis on upgrade. The relay runs in the test's process."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from fastapi.testclient import TestClient
from psycopg import sql

from services.orders.api import create_app
from services.orders.domain.catalogue import CatalogueEntry
from shared.runtime.audit.verify import consumer_group, verify
from shared.runtime.chain import digest, genesis, link, log_tables
from shared.runtime.identity import mint
from shared.runtime.kafka import reliable_producer
from shared.runtime.positions import write_position
from shared.runtime.relay import OutboxRelay
from tests.infra import Harness
from tests.kafka_helpers import read_all

SKU = "RING-STEEL-PEARL"


def orders_with(harness: Harness, n: int) -> Any:
    orders = harness.runtime("orders")
    orders.app.save(CatalogueEntry(sku=SKU, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6))
    for i in range(n):
        orders.app.place_order(f"cust-{i}", [(SKU, 2)])
    return orders


def publish(runtime: Any, *, upto: int | None = None) -> None:
    """Run the outbox relay until it has published everything (or reached notification `upto`)."""

    async def run() -> None:
        producer = reliable_producer(runtime.settings.platform.kafka_bootstrap_servers, "audit-test")
        await producer.start()
        relay = OutboxRelay(runtime.app, runtime.spec.translate, runtime.topic, producer, runtime.settings.dsn)
        relay.batch_size = 1 if upto else 500
        try:
            assert await asyncio.to_thread(relay._try_lead)
            while await relay.pump_once():
                if upto and relay_position(runtime) >= upto:
                    break
        finally:
            relay.close()
            await producer.stop()

    asyncio.run(run())


def relay_position(runtime: Any) -> int:
    with psycopg.connect(runtime.settings.dsn) as conn:
        row = conn.execute("SELECT position FROM hallmark_positions WHERE name = %s", (f"relay:{runtime.topic}",))
        found = row.fetchone()
        return int(found[0]) if found else 0


def set_relay_position(runtime: Any, position: int) -> None:
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        write_position(conn, f"relay:{runtime.topic}", position)


def published_ids(harness: Harness, runtime: Any) -> list[int]:
    return [int(dict(r.headers)["notification_id"]) for r in read_all(harness.infra.bootstrap, runtime.topic)]


def check(runtime: Any) -> Any:
    return asyncio.run(verify(runtime))


def first_of(runtime: Any, internal: str) -> tuple[int, str, int]:
    """(notification id, aggregate id, version) of the first stored event of an internal type."""
    tables = log_tables(runtime.app)
    assert tables is not None
    with psycopg.connect(runtime.settings.dsn) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version FROM {} WHERE topic LIKE %s "
                "ORDER BY notification_id LIMIT 1"
            ).format(tables.events),
            (f"%{internal}",),
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2])


def test_a_clean_log_verifies_clean_and_its_export_is_the_bytes_on_kafka(harness: Harness) -> None:
    orders = orders_with(harness, 5)
    publish(orders)
    report = check(orders)
    assert report.ok, report.as_dict()
    stored = orders.app.max_notification_id()
    assert report.counts["events"] == stored  # every stored event: the catalogue entry, the orders, their carts
    assert (report.counts["topic_messages"], report.counts["relay_pending"]) == (5, 0)
    # Export over HTTP (auditor): one NDJSON line per published event, the very bytes on the topic, in order.
    on_topic = sorted(
        read_all(harness.infra.bootstrap, orders.topic), key=lambda r: int(dict(r.headers)["notification_id"])
    )
    platform = orders.settings.platform
    auditor = {"authorization": "Bearer " + mint(platform.jwt_secret, platform.jwt_issuer, "auditor", "aud-1")}
    with TestClient(create_app(orders)) as client:
        exported = client.get("/audit/log", headers=auditor)
        summary = client.get("/audit/log/summary", headers=auditor).json()
    assert exported.content.splitlines() == [r.value for r in on_topic]
    assert summary == {"service": "orders", "topic": orders.topic, "stored": stored, "published": stored}
    # Each message carries its event's chain hash.
    assert all(len(dict(r.headers)["chain_hash"]) == 64 for r in on_topic)


def test_an_event_altered_in_postgresql_is_named_by_service_aggregate_version_and_notification(
    harness: Harness,
) -> None:
    orders = orders_with(harness, 3)
    publish(orders)
    nid, aggregate_id, version = first_of(orders, "Order.Placed")
    tables = log_tables(orders.app)
    assert tables is not None
    with psycopg.connect(orders.settings.dsn, autocommit=True) as conn:  # one byte of the stored state changed
        conn.execute(
            sql.SQL("UPDATE {} SET state = overlay(state placing 'X' from 30 for 1) WHERE notification_id = %s").format(
                tables.events
            ),
            (nid,),
        )
    report = check(orders)
    [finding] = report.findings
    assert (finding.check, finding.kind, finding.service) == ("chain", "altered", "orders")
    assert (finding.aggregate_id, finding.version, finding.notification_id) == (aggregate_id, version, nid)
    assert f"aggregate {aggregate_id} version {version} (notification {nid})" in finding.message


def test_a_message_the_relay_was_skipped_past_is_reported_as_a_gap(harness: Harness) -> None:
    orders = orders_with(harness, 2)
    publish(orders)
    skipped = orders.app.place_order("cust-skipped", [(SKU, 2)])
    set_relay_position(orders, orders.app.max_notification_id())  # the relay never publishes that order
    orders.app.place_order("cust-after", [(SKU, 2)])
    publish(orders)
    report = check(orders)
    [gap] = report.findings
    assert (gap.check, gap.kind, gap.event_type, gap.aggregate_id, gap.version) == (
        "topic",
        "gap",
        "OrderPlaced",
        str(skipped),
        1,
    )
    assert gap.message == (
        f"orders: OrderPlaced of {skipped} v1 (notification {gap.notification_id}) is below the relay's "
        f"position {orders.app.max_notification_id()} but not on {orders.topic}"
    )


def test_a_republished_batch_is_listed_as_duplicates_and_the_log_still_verifies(harness: Harness) -> None:
    orders = orders_with(harness, 3)
    publish(orders)
    first, second, third = sorted(published_ids(harness, orders))
    set_relay_position(orders, first)  # as if the relay had died before recording its position after `first`
    publish(orders)
    report = check(orders)
    assert report.ok, report.as_dict()
    assert sorted(d["notification_id"] for d in report.duplicates) == [second, third]
    assert report.counts["republished_duplicates"] == 2


def test_a_chain_rewritten_after_publication_is_caught_by_the_hashes_on_the_topic(harness: Harness) -> None:
    orders = orders_with(harness, 3)
    publish(orders)
    nid, _, _ = first_of(orders, "Order.Placed")
    tables = log_tables(orders.app)
    assert tables is not None
    with psycopg.connect(orders.settings.dsn, autocommit=True) as conn:
        # Alter the event, then recompute every hash from it on, as a careful forger would.
        conn.execute(
            sql.SQL("UPDATE {} SET state = overlay(state placing 'X' from 30 for 1) WHERE notification_id = %s").format(
                tables.events
            ),
            (nid,),
        )
        rows = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                "WHERE notification_id >= %s ORDER BY notification_id"
            ).format(tables.events),
            (nid,),
        ).fetchall()
        previous = bytes(
            conn.execute(
                sql.SQL("SELECT hash FROM {} WHERE notification_id < %s ORDER BY notification_id DESC LIMIT 1").format(
                    tables.chain
                ),
                (nid,),
            ).fetchone()[0]  # type: ignore[index]
        )
        for n, oid, version, topic, state in rows:
            previous = link(previous, digest(n, oid, version, topic, bytes(state)))
            conn.execute(
                sql.SQL("UPDATE {} SET hash = %s WHERE notification_id = %s").format(tables.chain), (previous, n)
            )
    report = check(orders)
    # The chain alone now verifies; the hashes published before the rewrite do not match it any more.
    assert {(f.check, f.kind) for f in report.findings} == {("topic", "hash_mismatch")}
    assert min(f.notification_id or 0 for f in report.findings) == nid


def test_a_message_acknowledged_but_never_tracked_by_a_consumer_is_a_finding(harness: Harness) -> None:
    orders = orders_with(harness, 1)
    publish(orders)
    inventory = harness.runtime("inventory")
    [record] = read_all(harness.infra.bootstrap, orders.topic)

    async def acknowledge() -> None:  # the inventory group commits past the message, applying nothing
        consumer = AIOKafkaConsumer(bootstrap_servers=harness.infra.bootstrap, group_id=consumer_group(inventory))
        await consumer.start()
        try:
            tp = TopicPartition(record.topic, record.partition)
            consumer.assign([tp])
            await consumer.commit({tp: OffsetAndMetadata(record.offset + 1, "")})
        finally:
            await consumer.stop()

    asyncio.run(acknowledge())
    report = check(inventory)
    [finding] = report.findings
    assert (finding.check, finding.kind, finding.event_type, finding.offset) == (
        "consumers",
        "untracked",
        "OrderPlaced",
        record.offset,
    )


def test_a_log_stored_before_the_chain_existed_is_chained_from_the_genesis_on_upgrade(harness: Harness) -> None:
    orders = orders_with(harness, 2)
    tables = log_tables(orders.app)
    assert tables is not None
    with psycopg.connect(orders.settings.dsn, autocommit=True) as conn:  # back to a store without a chain
        conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(tables.chain))
        conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(tables.trigger_name), tables.events))
    orders.app.place_order("cust-unchained", [(SKU, 2)])
    upgraded = harness.runtime("orders")  # starting the service again installs the chain
    with psycopg.connect(orders.settings.dsn) as conn:
        hashes = conn.execute(
            sql.SQL("SELECT notification_id, hash FROM {} ORDER BY 1").format(tables.chain)
        ).fetchall()
    stored = upgraded.app.max_notification_id()
    assert [n for n, _ in hashes] == list(range(0, stored + 1))
    assert bytes(hashes[0][1]) == genesis("orders")
    upgraded.app.place_order("cust-chained", [(SKU, 2)])  # and extends it from then on
    publish(upgraded)
    report = check(upgraded)
    assert report.ok, report.as_dict()
    assert report.counts["events"] == upgraded.app.max_notification_id() > stored
