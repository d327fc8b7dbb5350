"""Check (3): every consumed event is tracked. A message the service's consumer group has acknowledged
(its offset is below the group's committed offset) and that the service handles must be covered by the
partition's tracking row (tracking id >= its notification id) or kept as a dead letter; otherwise it
was acknowledged to Kafka without its effects being recorded.

`check_consumed_log` checks a topic as read (columns per partition) in bulk: per partition, where the
committed offset cuts the offsets, which of the few distinct event types the service handles, and whether
the highest notification id it acknowledged of those is tracked. Only a partition where that is not so (or
with a message without a readable notification id) is checked message by message (`check_consumed`),
which names each finding."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import cast

from shared.runtime.audit.findings import Finding, Report
from shared.runtime.audit.topiclog import PartitionLog, TopicLog, TopicRecord


def check_consumed_log(
    report: Report,
    log: TopicLog,
    committed: Mapping[tuple[str, int], int],
    tracked: Mapping[str, int],
    dead_letters: set[tuple[str, int, int]],
    handles: Callable[[str], bool],
) -> None:
    """Check (3) for one consumed topic as read: the same findings and counts as `check_consumed` over
    all its records, in bulk where a partition is clean."""
    topic = log.topic
    for part in log.partitions:
        counts = _clean_partition(topic, part, committed, tracked, dead_letters, handles)
        if counts is None:
            check_consumed(report, topic, list(part.records()), committed, tracked, dead_letters, handles)
        else:
            _count(report, *counts)


def _clean_partition(
    topic: str,
    part: PartitionLog,
    committed: Mapping[tuple[str, int], int],
    tracked: Mapping[str, int],
    dead_letters: set[tuple[str, int, int]],
    handles: Callable[[str], bool],
) -> tuple[int, int, int] | None:
    """(checked, waiting, dead-lettered) if nothing acknowledged in the partition is untracked, else None."""
    number, offsets, types = part.partition, part.offsets, part.types
    handled = {raw: handles(raw.decode(errors="replace")) for raw in set(types) if raw is not None}
    cut = bisect_left(offsets, committed.get((topic, number), 0))  # offsets below it were acknowledged
    marked = [raw is not None and handled[raw] for raw in types]
    acknowledged = [nid for nid, mine in zip(part.ids[:cut], marked[:cut], strict=True) if mine]
    waiting = sum(marked[cut:])
    if acknowledged and not (all(acknowledged) and b"".join(cast(list[bytes], acknowledged)).isdigit()):
        return None  # a handled message without a readable notification id
    top = max(map(int, cast(list[bytes], acknowledged)), default=0)
    if top > tracked.get(f"{topic}:{number}", 0):
        return None  # something acknowledged is above the tracking (unless dead-lettered): name it
    lettered = 0
    for dead_topic, dead_partition, offset in dead_letters:
        if dead_topic == topic and dead_partition == number and offset < committed.get((topic, number), 0):
            at = bisect_left(offsets, offset)
            lettered += 1 if at < len(offsets) and offsets[at] == offset and marked[at] else 0
    return len(acknowledged), waiting, lettered


def _count(report: Report, checked: int, waiting: int, lettered: int) -> None:
    counts = report.counts
    counts["consumed_checked"] = counts.get("consumed_checked", 0) + checked
    counts["consumer_lag"] = counts.get("consumer_lag", 0) + waiting
    counts["dead_lettered"] = counts.get("dead_lettered", 0) + lettered


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
    _count(report, checked, waiting, lettered)
