"""Check (3): every consumed event is tracked. A message the service's consumer group has acknowledged
(its offset is below the group's committed offset) and that the service handles must be covered by the
partition's tracking row (tracking id >= its notification id) or kept as a dead letter; otherwise it
was acknowledged to Kafka without its effects being recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shared.runtime.audit.findings import Finding, Report
from shared.runtime.audit.topic import TopicRecord


def check_consumed(
    report: Report,
    topic: str,
    records: list[TopicRecord],
    committed: Mapping[tuple[str, int], int],
    tracked: Mapping[str, int],
    dead_letters: set[tuple[str, int, int]],
    handles: Callable[[str], bool],
) -> None:
    """Add check (3)'s findings for one consumed topic to `report`."""
    checked = waiting = lettered = 0
    for record in records:
        if record.event_type is None or not handles(record.event_type):
            continue  # not for this service (its consumer ignores it without tracking)
        if record.offset >= committed.get((topic, record.partition), 0):
            waiting += 1  # not acknowledged yet: the consumer's lag
            continue
        checked += 1
        if (topic, record.partition, record.offset) in dead_letters:
            lettered += 1
            continue
        nid = record.notification_id
        if nid is None or nid > tracked.get(f"{topic}:{record.partition}", 0):
            report.findings.append(
                Finding(
                    "consumers",
                    "untracked",
                    report.service,
                    f"{report.service} acknowledged {topic}[{record.partition}]@{record.offset} "
                    f"({record.event_type}, notification {nid}) but recorded no tracking for it",
                    notification_id=nid,
                    event_type=record.event_type,
                    topic=topic,
                    partition=record.partition,
                    offset=record.offset,
                )
            )
    counts = report.counts
    counts["consumed_checked"] = counts.get("consumed_checked", 0) + checked
    counts["consumer_lag"] = counts.get("consumer_lag", 0) + waiting
    counts["dead_lettered"] = counts.get("dead_lettered", 0) + lettered
