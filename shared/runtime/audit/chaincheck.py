"""Check (1): the chain is unbroken. Each link is recomputed from the stored predecessor hash and the
event's stored bytes, so one altered event is one finding (not every event after it). A chain rewritten
from the altered event on would pass here; the hashes already on the topic (check 2) catch that."""

from __future__ import annotations

from collections.abc import Iterable

from shared.runtime.audit.findings import Finding
from shared.runtime.audit.log import LogRow
from shared.runtime.chain import GENESIS_ID, digest, genesis, link


def check_chain(service: str, rows: Iterable[LogRow]) -> tuple[int, list[Finding]]:
    """(events checked, findings) for a log read from notification id 0 (the genesis) on."""
    findings: list[Finding] = []
    previous: bytes | None = None
    previous_id = GENESIS_ID
    checked = 0

    def found(kind: str, row: LogRow, message: str) -> None:
        findings.append(
            Finding(
                "chain",
                kind,
                service,
                message,
                notification_id=row.notification_id,
                aggregate_id=str(row.originator_id) if row.originator_id else None,
                version=row.version,
                event_type=row.topic,
            )
        )

    for row in rows:
        if row.notification_id == GENESIS_ID:
            if row.hash != genesis(service):
                found("genesis", row, f"{service}: the chain does not start from {service}'s genesis hash")
            previous = row.hash
            continue
        if previous is None:
            found("genesis", row, f"{service}: the chain has no genesis (notification id 0)")
            previous = genesis(service)
        if row.state is None:
            found("deleted", row, f"{service}: notification {row.notification_id} is chained but its event is gone")
            previous, previous_id = row.hash, row.notification_id
            continue
        checked += 1
        if row.hash is None:
            found(
                "unchained",
                row,
                f"{service}: {row.topic} of {row.originator_id} v{row.version} (notification "
                f"{row.notification_id}) has no chain hash (stored past the chain)",
            )
            continue
        assert row.originator_id is not None and row.version is not None
        expected = link(previous, digest(row.notification_id, row.originator_id, row.version, row.topic, row.state))
        if expected != row.hash:
            skipped = row.notification_id - previous_id - 1
            hint = f"; or one of the {skipped} notification id(s) before it was deleted" if skipped > 0 else ""
            found(
                "altered",
                row,
                f"{service}: {row.topic} of aggregate {row.originator_id} version {row.version} (notification "
                f"{row.notification_id}) does not match its chain hash: its stored bytes were altered{hint}",
            )
        previous, previous_id = row.hash, row.notification_id
    return checked, findings
