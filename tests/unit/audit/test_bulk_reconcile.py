"""Check (2) in bulk (`reconcile.clean`) agrees with the message-by-message check: clean where it finds
nothing, and on any difference it declines (None) so that `check_topic` names the findings; the topic's
columns give the same records the message-by-message checks read."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from shared.runtime.audit.findings import Report
from shared.runtime.audit.reconcile import Stored, check_topic, clean
from shared.runtime.audit.topiclog import PartitionLog, TopicLog, TopicRecord, value_digest

TOPIC = "orders.events"


def chain(nid: int) -> bytes:
    return bytes([nid + 170]) * 32  # hex with letters


@dataclass
class Message:
    offset: int
    headers: list[tuple[str, bytes]]
    value: bytes


def relay_message(offset: int, nid: int, chain_hex: bytes | None = None) -> Message:
    headers = [
        ("notification_id", str(nid).encode()),
        ("event_type", b"OrderPlaced"),
        ("schema_version", b"1"),
        ("correlation_id", b"c"),
        ("chain_hash", chain_hex if chain_hex is not None else chain(nid).hex().encode()),
    ]
    return Message(offset, headers, b"v%d" % nid)


def topic_of(*partitions: list[Message]) -> TopicLog:
    logs = []
    for number, messages in enumerate(partitions):
        log = PartitionLog(number)
        log.add_batch(messages, -1, 2**62, digest=True)
        logs.append(log)
    return TopicLog(TOPIC, logs)


def both(log: TopicLog, hashes: dict[int, bytes | None], archive: dict[int, bytes | None], position: int) -> Report:
    """check_topic's report, after asserting that `clean` does not contradict it."""
    report = Report("orders")

    def details(ids: Iterable[int]) -> dict[int, Stored]:
        return {n: Stored(uuid.UUID(int=n), n, "Order.X", hashes.get(n)) for n in ids}

    check_topic(report, TOPIC, hashes, log.records(), archive, position, lambda ids: {}, details)
    pending = clean(log, hashes, archive, position)
    if report.findings or report.duplicates:
        assert pending is None
    else:  # clean, or declined where the translator must be asked
        assert pending in (None, report.counts["relay_pending"]), (pending, report.counts)
    return report


def archived(*nids: int) -> dict[int, bytes | None]:
    return {n: value_digest(b"v%d" % n) for n in nids}


def test_a_clean_topic_is_clean_in_bulk_with_unpublished_and_pending_events() -> None:
    log = topic_of([relay_message(0, 1), relay_message(1, 4)], [relay_message(0, 3)])
    hashes: dict[int, bytes | None] = {n: chain(n) for n in (1, 2, 3, 4, 5)}
    archive = {**archived(1, 3, 4), 2: None}
    assert clean(log, hashes, archive, 4) == 1  # 5 waits for the relay
    assert not both(log, hashes, archive, 4).findings


@pytest.mark.parametrize(
    "case",
    [
        "duplicate",
        "out_of_order",
        "foreign",
        "rewritten",
        "archive_differs",
        "gap",
        "unlabelled",
        "uppercase",
        "unknown",
    ],
)
def test_any_difference_is_left_to_the_message_by_message_check(case: str) -> None:
    hashes: dict[int, bytes | None] = {n: chain(n) for n in (1, 2, 3)}
    archive = archived(1, 2, 3)
    first, second, third = relay_message(0, 1), relay_message(1, 2), relay_message(2, 3)
    partition = [first, second, third]
    if case == "duplicate":
        partition.append(relay_message(3, 2))
    elif case == "out_of_order":
        partition = [second, first, third]
    elif case == "foreign":
        partition.append(relay_message(3, 9))
    elif case == "rewritten":
        hashes[2] = b"\xff" * 32
    elif case == "archive_differs":
        archive[3] = value_digest(b"else")
    elif case == "gap":
        partition = [first, third]
    elif case == "unlabelled":
        partition.append(Message(3, [("event_type", b"OrderPlaced")], b"x"))
    elif case == "uppercase":
        partition[1] = relay_message(1, 2, chain(2).hex().upper().encode())
    elif case == "unknown":  # below the position, neither on the topic nor archived: the translator decides
        hashes[4] = chain(4)
    log = topic_of(partition)
    assert clean(log, hashes, archive, 4) is None
    report = both(log, hashes, archive, 4)
    assert bool(report.findings or report.duplicates) == (case != "unknown")


def test_the_columns_give_the_records_the_message_by_message_checks_read() -> None:
    odd = Message(7, [("chain_hash", b"ab"), ("notification_id", b"x1"), ("event_type", b"OrderPaid")], b"w")
    log = topic_of([relay_message(5, 3), odd], [])
    assert log.records() == [
        TopicRecord(0, 5, 3, "OrderPlaced", chain(3).hex(), value_digest(b"v3")),
        TopicRecord(0, 7, None, "OrderPaid", "ab", value_digest(b"w")),
    ]
    assert len(log) == 2 and repr(log) == "TopicLog('orders.events', 2 messages)"
