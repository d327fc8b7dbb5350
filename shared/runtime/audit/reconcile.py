"""Check (2): store <-> topic. Every stored event the translator publishes is on the topic, in order;
what is on the topic is in the store, carries the store's chain hash and the bytes the archive kept;
republished duplicates are listed as such (a relay crash between publishing and recording its position)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from shared.runtime.audit.findings import Finding, Report
from shared.runtime.audit.topiclog import TopicLog, TopicRecord


@dataclass(frozen=True, slots=True)
class Stored:
    originator_id: uuid.UUID
    version: int
    topic: str
    hash: bytes | None


Publishes = Callable[[Iterable[int]], dict[int, str]]
"""Notification ids -> the published event type of those that the translator would publish."""

Details = Callable[[Iterable[int]], Mapping[int, Stored]]
"""Notification ids -> what the store has of those events (read only for the ones a finding names)."""


def clean(
    log: TopicLog, hashes: Mapping[int, bytes | None], archive: Mapping[int, bytes | None], position: int
) -> int | None:
    """Check (2) in bulk for the clean case: how many stored events wait for the relay if the topic holds
    every published event once, in order per partition, with the store's chain hash and the archived bytes,
    and nothing else; None on any doubt (`check_topic` then names what differs). Whole columns are
    compared (joined bytes, sets, sorted lists), not one message at a time."""
    every: list[int] = []
    chains: list[bytes] = []
    digests: list[bytes] = []
    for part in log.partitions:
        if not all(part.ids) or not all(part.chains):
            return None  # a message without a notification id or chain hash
        raw_ids, raw_chains = cast(list[bytes], part.ids), cast(list[bytes], part.chains)
        if not b"".join(raw_ids).isdigit():
            return None  # a malformed notification id
        ids = list(map(int, raw_ids))
        if ids != sorted(ids):
            return None
        every += ids
        chains += raw_chains
        digests += part.digests
    on_topic = set(every)
    if len(on_topic) != len(every) or len(digests) != len(every):
        return None  # republished duplicates (listed by `check_topic`), or a topic read without digests
    try:  # KeyError: not in the store (or not archived); TypeError: unchained, or archived as unpublished
        stored = cast(list[bytes], list(map(hashes.__getitem__, every)))
        kept = cast(list[bytes], list(map(archive.__getitem__, every)))
        if b"".join(stored).hex().encode() != b"".join(chains) or b"".join(kept) != b"".join(digests):
            return None
    except (KeyError, TypeError):
        return None
    if (set(map(len, stored)) | set(map(len, kept))) - {32} or set(map(len, chains)) - {64}:
        return None  # equal joins of unequal parts
    pending = 0
    for nid in hashes.keys() - on_topic:
        if nid > position:
            pending += 1
        elif nid not in archive or archive[nid] is not None:
            return None  # a gap, or one the translator must be asked about
    return pending


def check_topic(
    report: Report,
    topic: str,
    hashes: Mapping[int, bytes | None],
    records: list[TopicRecord],
    archive: Mapping[int, bytes | None],
    position: int,
    publishes: Publishes,
    details: Details,
) -> None:
    """Add check (2)'s findings and duplicates to `report`. `hashes`: notification id -> chain hash of
    every stored event (None: unchained); `archive`: notification id -> SHA-256 of the archived envelope."""
    pending_findings: list[tuple[str, str, int | None, TopicRecord | None, str | None]] = []

    def found(
        kind: str, message: str, nid: int | None, record: TopicRecord | None = None, event_type: str | None = None
    ) -> None:
        pending_findings.append((kind, message, nid, record, event_type))

    on_topic: dict[int, TopicRecord] = {}
    highest: dict[int, int] = {}
    for record in records:
        nid = record.notification_id
        if nid is None:
            found(
                "unlabelled", f"{topic}[{record.partition}]@{record.offset} has no notification_id header", None, record
            )
            continue
        first = on_topic.get(nid)
        if first is not None:
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
        top = highest.get(record.partition, 0)
        if nid < top:
            found(
                "out_of_order",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} after {top}",
                nid,
                record,
            )
        else:
            highest[record.partition] = nid
        if nid not in hashes:
            found(
                "foreign",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} is not in the store",
                nid,
                record,
            )
            continue
        stored_hash = hashes[nid]
        if record.chain_hash is not None and stored_hash is not None and record.chain_hash != stored_hash.hex():
            found(
                "hash_mismatch",
                f"{topic}[{record.partition}]@{record.offset}: notification {nid} was published with chain hash "
                f"{record.chain_hash[:12]}..., the store now has {stored_hash.hex()[:12]}... "
                "(the chain was rewritten after publication)",
                nid,
                record,
            )
        kept = archive.get(nid)
        if kept is not None and kept != record.value_digest:
            found("archive_differs", f"notification {nid}: the archived envelope differs from the topic's", nid, record)

    missing = [n for n in hashes if n not in on_topic]
    unknown = [n for n in missing if n <= position and n not in archive]
    expected = publishes(unknown) if unknown else {}
    gaps = [n for n in missing if n <= position and (archive.get(n) is not None or n in expected)]
    named = {n for _, _, n, _, _ in pending_findings if n is not None and n in hashes}
    described = details(sorted(named.union(gaps))) if named or gaps else {}
    for nid in gaps:
        gap = described[nid]
        gap_type = expected.get(nid, gap.topic)
        found(
            "gap",
            f"{report.service}: {gap_type} of {gap.originator_id} v{gap.version} (notification {nid}) is below "
            f"the relay's position {position} but not on {topic}",
            nid,
            event_type=gap_type,
        )
    for kind, message, named_id, at, event_type in pending_findings:
        event = described.get(named_id) if named_id is not None else None
        report.findings.append(
            Finding(
                "topic",
                kind,
                report.service,
                message,
                notification_id=named_id,
                aggregate_id=str(event.originator_id) if event else None,
                version=event.version if event else None,
                event_type=event_type,
                topic=topic,
                partition=at.partition if at else None,
                offset=at.offset if at else None,
            )
        )
    report.counts["topic_messages"] = len(records)
    report.counts["republished_duplicates"] = len(report.duplicates)
    report.counts["relay_pending"] = sum(1 for n in missing if n > position)
