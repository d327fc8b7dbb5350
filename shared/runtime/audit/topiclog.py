"""A topic as read for verification, kept in columns per partition (the header bytes as sent, the value's
SHA-256) rather than an object per message: the clean case is then compared in bulk (`reconcile.clean`),
and the `TopicRecord`s the message-by-message checks read are made only when they run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from shared.runtime.chain import CHAIN_HEADER


class TopicRecord(NamedTuple):
    """One message as the message-by-message checks need it."""

    partition: int
    offset: int
    notification_id: int | None
    event_type: str | None
    chain_hash: str | None
    value_digest: bytes


def value_digest(value: bytes) -> bytes:
    """SHA-256 of a message value (to compare the topic with the archive without keeping the bytes)."""
    return hashlib.sha256(value).digest()


RELAY_HEADERS = ("notification_id", "event_type", "schema_version", "correlation_id", CHAIN_HEADER)
"""The headers the relay sends, in its order: a message with exactly these is read by position."""


@dataclass(slots=True, repr=False)
class PartitionLog:
    """One partition's messages in offset order: a column per field."""

    partition: int
    offsets: list[int] = field(default_factory=list)
    ids: list[bytes | None] = field(default_factory=list)
    """The notification_id header as sent (None: absent)."""
    types: list[bytes | None] = field(default_factory=list)
    chains: list[bytes | None] = field(default_factory=list)
    """The chain hash header as sent (hex; None: absent)."""
    digests: list[bytes] = field(default_factory=list)
    """SHA-256 of each value (empty for a topic read without digests)."""

    def add_batch(self, batch: Any, after: int, stop: int, digest: bool) -> int:
        """Append the records of one record batch with offsets in (after, stop); the last offset taken."""
        sha256 = hashlib.sha256
        offsets, ids, types, chains, digests = self.offsets, self.ids, self.types, self.chains, self.digests
        first, second, third, fourth, fifth = RELAY_HEADERS
        for record in batch:
            offset = record.offset
            if offset <= after or offset >= stop:
                continue
            headers = record.headers
            if (
                len(headers) == 5
                and headers[0][0] == first
                and headers[1][0] == second
                and headers[2][0] == third
                and headers[3][0] == fourth
                and headers[4][0] == fifth
            ):
                ids.append(headers[0][1])
                types.append(headers[1][1])
                chains.append(headers[4][1])
            else:
                named = dict(headers)
                ids.append(named.get(first))
                types.append(named.get(second))
                chains.append(named.get(fifth))
            offsets.append(offset)
            if digest:
                digests.append(sha256(record.value or b"").digest())
            after = offset
        return after

    def __len__(self) -> int:
        return len(self.offsets)

    def __repr__(self) -> str:  # short: asyncio shows a finished task's result in its repr
        return f"PartitionLog({self.partition}, {len(self)} messages)"

    def records(self) -> Iterator[TopicRecord]:
        names: dict[bytes, str] = {}  # event types, decoded once each
        digests = self.digests if self.digests else [b""] * len(self.offsets)
        for offset, raw_id, raw_type, chain, digest in zip(
            self.offsets, self.ids, self.types, self.chains, digests, strict=True
        ):
            event_type = None
            if raw_type is not None:
                event_type = names.get(raw_type) or names.setdefault(raw_type, raw_type.decode(errors="replace"))
            yield TopicRecord(
                self.partition,
                offset,
                int(raw_id) if raw_id is not None and raw_id.isdigit() else None,
                event_type,
                chain.decode(errors="replace") if chain is not None else None,
                digest,
            )


@dataclass(slots=True, repr=False)
class TopicLog:
    """Every message of a topic as read, partition by partition."""

    topic: str
    partitions: list[PartitionLog]

    def __len__(self) -> int:
        return sum(map(len, self.partitions))

    def __repr__(self) -> str:
        return f"TopicLog({self.topic!r}, {len(self)} messages)"

    def records(self) -> list[TopicRecord]:
        """One `TopicRecord` per message, partition by partition in offset order."""
        return [record for partition in self.partitions for record in partition.records()]
