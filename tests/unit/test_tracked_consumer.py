"""The tracked consumer's batching on in-memory storage: one transaction per partition batch,
duplicates skipped, and a bad message isolated (dead-lettered) while the rest apply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from eventsourcing.persistence import OperationalError

from services.orders.bootstrap import bootstrap
from services.orders.domain.catalogue import entry_id
from services.orders.settings import OrdersSettings
from shared.events import Money
from shared.events.inventory import ReservedLine, SkuCatalogued, StockReserved
from shared.runtime.messages import Incoming
from tests.unit.messages import message_bytes


def message(nid: int, event_type: str, payload: object, partition: int = 0) -> Incoming:
    body = message_bytes(event_type, payload, correlation_id=f"corr-{nid}")  # type: ignore[arg-type]
    return Incoming("inventory.events", partition, nid, b"k", body, (("notification_id", str(nid).encode()),))


def sku(code: str) -> SkuCatalogued:
    return SkuCatalogued(sku=code, name=code, unit_price=Money(amount_minor=100, currency="USD"), moq=1, weight_grams=1)


def test_a_batch_applies_in_one_go_and_skips_what_it_has_seen() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    batch = [
        message(1, "SkuCatalogued", sku("A")),
        message(2, "SkuCatalogued", sku("B")),
        message(2, "SkuCatalogued", sku("B")),
        message(3, "SkuCatalogued", sku("C"), partition=1),
    ]
    result = runtime.consumer.apply_batch(batch)
    assert (result.applied, result.duplicates, result.dead) == (3, 1, [])
    assert runtime.app.recorder.max_tracking_id("inventory.events:0") == 2
    again = runtime.consumer.apply_batch(batch)
    assert (again.applied, again.duplicates) == (0, 4)
    assert all(entry_id(code) in runtime.app.repository for code in "ABC")


def test_a_bad_message_in_a_batch_is_dead_lettered_alone() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    unknown_order = StockReserved(
        order_id=str(uuid.uuid4()),
        reserved_at=datetime.now(UTC),
        lines=[ReservedLine(sku="A", asked=1, reserved=1, short=0)],
    )
    batch = [
        message(1, "SkuCatalogued", sku("A")),
        message(2, "StockReserved", unknown_order),
        message(3, "SkuCatalogued", sku("B")),
    ]
    result = runtime.consumer.apply_batch(batch)
    assert result.applied == 2
    assert [(m.offset, error.split(":")[0]) for m, error in result.dead] == [(2, "OrderNotFound")]
    assert entry_id("A") in runtime.app.repository and entry_id("B") in runtime.app.repository
    history = runtime.app.history(entry_id("B"))
    assert history[0]["correlation_id"] == "corr-3"


def test_a_message_without_notification_id_or_with_bad_json_is_dead_lettered() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    no_id = Incoming("inventory.events", 0, 7, b"k", b"{}", ())
    bad = Incoming("inventory.events", 0, 8, b"k", b"\xff", (("notification_id", b"9"),))
    result = runtime.consumer.apply_batch([no_id, bad])
    assert [error for _, error in result.dead] == [
        "headers.notification_id: missing or not a positive integer",
        "value: not JSON ('utf-8' codec can't decode byte 0xff in position 0: invalid start byte)",
    ]


async def test_a_store_outage_retries_the_batch_and_dead_letters_nothing() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    real = runtime.app.process_batch
    outages = iter([OperationalError("server closed the connection"), OperationalError("lock timeout")])

    def flaky(items: list, name: str) -> None:  # the store is down for the first two tries
        failure = next(outages, None)
        if failure is not None:
            raise failure
        real(items, name)

    runtime.app.process_batch = flaky  # type: ignore[method-assign,assignment]
    result = await runtime.consumer.handle(
        [message(1, "SkuCatalogued", sku("A")), message(2, "SkuCatalogued", sku("B"))]
    )
    assert (result.applied, result.dead) == (2, [])
    assert runtime.app.recorder.max_tracking_id("inventory.events:0") == 2


def test_a_message_a_service_ignores_is_skipped_by_its_header_before_decoding() -> None:
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    undecodable = Incoming(
        "inventory.events", 0, 1, b"k", b"not json", (("notification_id", b"1"), ("event_type", b"HoldPlaced"))
    )
    result = runtime.consumer.apply_batch([undecodable])
    assert (result.ignored, result.dead) == (1, [])


def test_a_redelivered_message_counts_as_a_duplicate_whatever_it_holds() -> None:
    """The recorded tracking id is read with the batch's aggregates, after decoding: a message at or below
    it is a duplicate even if it cannot be decoded or is ignored (it was dealt with the first time)."""
    runtime = bootstrap(OrdersSettings(), persistence="memory")
    assert runtime.consumer.apply_batch([message(5, "SkuCatalogued", sku("A"))]).applied == 1
    bad = Incoming("inventory.events", 0, 9, b"k", b"\xff", (("notification_id", b"4"),))
    ignored = Incoming(
        "inventory.events", 0, 10, b"k", b"not json", (("notification_id", b"5"), ("event_type", b"HoldPlaced"))
    )
    result = runtime.consumer.apply_batch([bad, ignored, message(6, "SkuCatalogued", sku("B"))])
    assert (result.applied, result.duplicates, result.ignored, result.dead) == (1, 2, 0, [])
