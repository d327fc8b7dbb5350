"""Check (2): store <-> topic. Every stored event the translator publishes is on the topic, in order;
what is on the topic is in the store, carries the store's chain hash and the bytes the archive kept;
republished duplicates are listed as such (a relay crash between publishing and recording its position)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from shared.runtime.audit.findings import Finding, Report
from shared.runtime.audit.topic import TopicRecord


@dataclass(frozen=True, slots=True)
class Stored:
    originator_id: uuid.UUID
    version: int
    topic: str
    hash: bytes | None


Publishes = Callable[[Iterable[int]], dict[int, str]]
"""Notification ids -> the published event type of those that the translator would publish."""


def check_topic(
    report: Report,
    topic: str,
    stored: Mapping[int, Stored],
    records: list[TopicRecord],
    archive: Mapping[int, bytes | None],
    position: int,
    publishes: Publishes,
) -> None:
    """Add check (2)'s findings and duplicates to `report`."""
    service = report.service

    def found(kind: str, message: str, nid: int | None, record: TopicRecord | None = None, **extra: str) -> None:
        event = stored.get(nid) if nid is not None else None
        report.findings.append(
            Finding(
                "topic",
                kind,
                service,
                message,
                notification_id=nid,
                aggregate_id=str(event.originator_id) if event else None,
                version=event.version if event else None,
                topic=topic,
                partition=record.partition if record else None,
                offset=record.offset if record else None,
                **extra,
            )
        )

    on_topic: dict[int, TopicRecord] = {}
    highest: dict[int, int] = {}
    for record in records:
        nid = record.notification_id
        if nid is None:
            found(
                "unlabelled", f"{topic}[{record.partition}]@{record.offset} has no notification_id header", None, record
            )
            continue
        if nid in on_topic:
            first = on_topic[nid]
            report.duplicates.append(
                {
                    "notification_id": nid,
                    "partition": record.partition,
                    "offset": record.offset,
                    "first_offset": first.offset,
                }
            )
            continue
        on_topic[nid] = record
        if nid < highest.get(record.partition, 0):
            found(
                "out_of_order",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} after {highest[record.partition]}",
                nid,
                record,
            )
        highest[record.partition] = max(highest.get(record.partition, 0), nid)
        event = stored.get(nid)
        if event is None:
            found(
                "foreign",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} is not in the store",
                nid,
                record,
            )
            continue
        if record.chain_hash is not None and event.hash is not None and record.chain_hash != event.hash.hex():
            found(
                "hash_mismatch",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} was published with chain hash "
                f"{record.chain_hash[:12]}..., the store now has {event.hash.hex()[:12]}... "
                "(the chain was rewritten after publication)",
                nid,
                record,
            )
        kept = archive.get(nid)
        if kept is not None and kept != record.value_digest:
            found("archive_differs", f"notification {nid}: the archived envelope differs from the topic's", nid, record)

    unknown = [n for n in stored if n <= position and n not in on_topic and n not in archive]
    expected = publishes(unknown) if unknown else {}
    pending = 0
    for nid in stored:
        if nid in on_topic:
            continue
        if nid > position:
            pending += 1
        elif archive.get(nid) is not None or nid in expected:
            event = stored[nid]
            found(
                "gap",
                f"{service}: {expected.get(nid, event.topic)} of {event.originator_id} v{event.version} (notification "
                f"{nid}) is below the relay's position {position} but not on {topic}",
                nid,
                event_type=expected.get(nid, event.topic),
            )
    report.counts["topic_messages"] = len(records)
    report.counts["republished_duplicates"] = len(report.duplicates)
    report.counts["relay_pending"] = pending
