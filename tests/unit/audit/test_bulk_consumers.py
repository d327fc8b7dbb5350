"""Check (3) in bulk (`check_consumed_log`, a topic as read in columns) finds and counts exactly what the
message-by-message check finds over the same records: clean partitions in bulk, the others message by
message (each finding named)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shared.runtime.audit.consumers import check_consumed, check_consumed_log
from shared.runtime.audit.findings import Report
from shared.runtime.audit.topiclog import PartitionLog, TopicLog

TOPIC = "orders.events"


@dataclass
class Message:
    offset: int
    headers: list[tuple[str, bytes]]
    value: bytes = b""


def sent(offset: int, nid: int | None, event_type: str | None = "OrderPlaced", raw_id: bytes | None = None) -> Message:
    headers = [] if raw_id is None and nid is None else [("notification_id", raw_id or str(nid).encode())]
    if event_type is not None:
        headers.append(("event_type", event_type.encode()))
    return Message(offset, headers)


def handles(event_type: str) -> bool:
    return event_type in {"OrderPlaced", "OrderCancelled"}


CLEAN = [sent(0, 1), sent(1, 2, "OrderCompleted"), sent(2, 4), sent(3, 7, "OrderCancelled"), sent(4, 9)]
CASES = {
    "clean, one message waiting": (CLEAN, 4, 7, set()),
    "all acknowledged": (CLEAN, 5, 9, set()),
    "nothing acknowledged": (CLEAN, 0, 0, set()),
    "untracked": (CLEAN, 4, 4, set()),
    "untracked but dead-lettered": (CLEAN, 4, 4, {(TOPIC, 0, 3)}),
    "a dead letter below the tracking": (CLEAN, 4, 7, {(TOPIC, 0, 2), (TOPIC, 0, 4), (TOPIC, 1, 0)}),
    "a dead letter of a type not handled": (CLEAN, 4, 7, {(TOPIC, 0, 1)}),
    "no notification id": ([sent(0, 1), sent(1, None)], 2, 5, set()),
    "a malformed notification id": ([sent(0, 1), sent(1, None, raw_id=b"x1")], 2, 5, set()),
    "no event type": ([sent(0, 1), sent(1, 8, None)], 2, 5, set()),
    "an empty partition": ([], 0, 0, set()),
    "offsets with holes (compaction, transactions)": ([sent(0, 1), sent(5, 3), sent(9, 8)], 6, 3, set()),
}


@pytest.mark.parametrize("case", CASES)
def test_check_3_in_bulk_agrees_with_the_message_by_message_check(case: str) -> None:
    messages, committed_offset, tracked_id, dead = CASES[case]
    partitions = [PartitionLog(0), PartitionLog(1)]
    partitions[0].add_batch(messages, -1, 2**62, digest=False)
    partitions[1].add_batch([sent(0, 3), sent(1, 5)], -1, 2**62, digest=False)  # clean, all tracked
    log = TopicLog(TOPIC, partitions)
    committed = {(TOPIC, 0): committed_offset, (TOPIC, 1): 2}
    tracked = {f"{TOPIC}:0": tracked_id, f"{TOPIC}:1": 5}

    by_message, in_bulk = Report("inventory"), Report("inventory")
    check_consumed(by_message, TOPIC, log.records(), committed, tracked, dead, handles)
    check_consumed_log(in_bulk, log, committed, tracked, dead, handles)

    assert in_bulk.findings == by_message.findings
    assert in_bulk.counts == by_message.counts
    if case == "untracked":
        [finding] = in_bulk.findings
        assert (finding.kind, finding.notification_id, finding.partition, finding.offset) == ("untracked", 7, 0, 3)


def test_a_clean_topic_is_checked_without_a_record_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.runtime.audit.consumers as consumers

    partition = PartitionLog(0)
    partition.add_batch([sent(i, i + 1) for i in range(1000)], -1, 2**62, digest=False)
    monkeypatch.setattr(consumers, "check_consumed", lambda *args: pytest.fail("checked message by message"))
    report = Report("inventory")
    dead = {(TOPIC, 0, 10)}
    check_consumed_log(report, TopicLog(TOPIC, [partition]), {(TOPIC, 0): 900}, {f"{TOPIC}:0": 900}, dead, handles)
    assert report.findings == []
    assert report.counts == {"consumed_checked": 900, "consumer_lag": 100, "dead_lettered": 1}
