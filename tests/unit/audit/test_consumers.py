"""Check (3): what a consumer group acknowledged is tracked (or dead-lettered)."""

from __future__ import annotations

from shared.runtime.audit.consumers import check_consumed
from shared.runtime.audit.findings import Report
from shared.runtime.audit.topic import TopicRecord

TOPIC = "orders.events"


def message(nid: int, offset: int, event_type: str = "OrderPlaced", partition: int = 0) -> TopicRecord:
    return TopicRecord(partition, offset, nid, event_type, None, b"")


def handles(event_type: str) -> bool:
    return event_type == "OrderPlaced"


def test_acknowledged_messages_above_the_tracking_are_untracked_unless_dead_lettered() -> None:
    report = Report("inventory")
    records = [message(1, 0), message(2, 1, "OrderCompleted"), message(3, 2), message(5, 3), message(8, 4)]
    committed = {(TOPIC, 0): 4}  # offsets 0..3 acknowledged; 4 is still the consumer's lag
    tracked = {f"{TOPIC}:0": 1}  # the tracking row covers notification 1 only
    check_consumed(report, TOPIC, records, committed, tracked, {(TOPIC, 0, 3)}, handles)
    [finding] = report.findings
    assert (finding.kind, finding.notification_id, finding.offset) == ("untracked", 3, 2)
    assert finding.message == (
        "inventory acknowledged orders.events[0]@2 (OrderPlaced, notification 3) but recorded no tracking for it"
    )
    assert report.counts == {"consumed_checked": 3, "consumer_lag": 1, "dead_lettered": 1}


def test_a_consumer_that_tracked_everything_it_acknowledged_is_clean() -> None:
    report = Report("inventory")
    records = [message(1, 0), message(4, 1, partition=1), message(6, 2)]
    check_consumed(
        report, TOPIC, records, {(TOPIC, 0): 3, (TOPIC, 1): 2}, {f"{TOPIC}:0": 6, f"{TOPIC}:1": 4}, set(), handles
    )
    assert report.findings == [] and report.counts["consumed_checked"] == 3
