"""Check (2) on given store, archive and topic contents: gaps, duplicates, order, foreign and rewritten events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from shared.runtime.audit.findings import Report
from shared.runtime.audit.reconcile import Publishes, Stored, check_topic
from shared.runtime.audit.topic import TopicRecord, value_digest

AGG = uuid.UUID("11111111-2222-3333-4444-555555555555")
TOPIC = "orders.events"


def store(*ids: int) -> dict[int, Stored]:
    return {n: Stored(AGG, n, "services.orders.domain.order:Order.X", bytes([n]) * 32) for n in ids}


def message(nid: int | None, partition: int = 0, offset: int = 0, chain: bytes | None = None) -> TopicRecord:
    chain_hex = (chain or (bytes([nid or 0]) * 32)).hex()
    return TopicRecord(partition, offset, nid, "OrderPlaced", chain_hex, value_digest(b"v%d" % (nid or 0)))


def archive_of(published: Iterable[int], unpublished: Iterable[int] = ()) -> dict[int, bytes | None]:
    kept: dict[int, bytes | None] = {n: value_digest(b"v%d" % n) for n in published}
    kept.update({n: None for n in unpublished})
    return kept


def never(ids: Iterable[int]) -> dict[int, str]:
    return {}


def check(
    report: Report,
    stored: dict[int, Stored],
    records: list[TopicRecord],
    archive: dict[int, bytes | None],
    position: int,
    publishes: Publishes,
) -> None:
    """check_topic given the store's chain hashes, and its details only for the events findings name."""
    asked: list[int] = []

    def details(ids: Iterable[int]) -> dict[int, Stored]:
        asked.extend(ids)
        return {n: stored[n] for n in ids}

    check_topic(report, TOPIC, {n: s.hash for n, s in stored.items()}, records, archive, position, publishes, details)
    assert sorted(asked) == sorted({f.notification_id for f in report.findings if f.notification_id in stored})


def test_everything_published_once_in_order_is_clean_and_unpublished_internal_events_are_fine() -> None:
    report = Report("orders")
    records = [message(1, 0, 0), message(3, 1, 0), message(4, 0, 1)]
    check(report, store(1, 2, 3, 4), records, archive_of([1, 3, 4], [2]), 4, never)
    assert report.findings == [] and report.duplicates == []
    assert report.counts == {"topic_messages": 3, "republished_duplicates": 0, "relay_pending": 0}


def test_a_republished_batch_is_listed_as_duplicates_not_findings() -> None:
    report = Report("orders")
    records = [message(1, 0, 0), message(2, 0, 1), message(1, 0, 2), message(2, 0, 3), message(3, 0, 4)]
    check(report, store(1, 2, 3), records, archive_of([1, 2, 3]), 3, never)
    assert report.findings == []
    assert report.duplicates == [
        {"notification_id": 1, "partition": 0, "offset": 2, "first_offset": 0},
        {"notification_id": 2, "partition": 0, "offset": 3, "first_offset": 1},
    ]


def test_an_event_the_relay_skipped_is_a_gap_and_one_not_yet_published_is_pending() -> None:
    report = Report("orders")
    # 2 was skipped (no archive row; the translator publishes it); 5 is above the relay's position.
    check(
        report,
        store(1, 2, 3, 5),
        [message(1), message(3, offset=1)],
        archive_of([1, 3]),
        3,
        lambda ids: {n: "OrderPlaced" for n in ids},
    )
    [gap] = report.findings
    assert (gap.kind, gap.notification_id, gap.version, gap.event_type) == ("gap", 2, 2, "OrderPlaced")
    assert report.counts["relay_pending"] == 1


def test_foreign_out_of_order_rewritten_and_differently_archived_messages_are_findings() -> None:
    report = Report("orders")
    records = [
        message(2, 0, 0),
        message(1, 0, 1),  # lower than one already seen in its partition, never seen before
        message(7, 0, 2),  # not in the store
        message(3, 1, 0, chain=b"\xff" * 32),  # the store's chain hash for 3 is different now
        message(None, 1, 1),
    ]
    archive = archive_of([1, 2])
    archive[3] = value_digest(b"something else")
    check(report, store(1, 2, 3), records, archive, 3, never)
    kinds = sorted((f.kind, f.notification_id) for f in report.findings)
    assert kinds == [
        ("archive_differs", 3),
        ("foreign", 7),
        ("hash_mismatch", 3),
        ("out_of_order", 1),
        ("unlabelled", None),
    ]
