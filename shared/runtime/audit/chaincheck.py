"""Check (1): the chain is unbroken. Each link is recomputed from the stored predecessor hash and the
event's stored bytes, so one altered event is one finding (not every event after it). A chain rewritten
from the altered event on would pass here; the hashes already on the topic (check 2) catch that."""

from __future__ import annotations

from collections.abc import Iterable

from shared.runtime.audit.findings import Finding
from shared.runtime.audit.log import LogRow
from shared.runtime.chain import GENESIS_ID, digest, genesis, link


class ChainChecker:
    """Checks a log fed in order from notification id 0 (the genesis) on, in as many parts as it comes."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.findings: list[Finding] = []
        self.checked = 0
        self.last_id = GENESIS_ID
        self.read_upto = GENESIS_ID
        """The highest notification id fed so far (the next part starts after it)."""
        self._previous: bytes | None = None

    def _found(self, kind: str, row: LogRow, message: str) -> None:
        self.findings.append(
            Finding(
                "chain",
                kind,
                self.service,
                message,
                notification_id=row.notification_id,
                aggregate_id=str(row.originator_id) if row.originator_id else None,
                version=row.version,
                event_type=row.topic,
            )
        )

    def feed(self, rows: Iterable[LogRow]) -> None:
        service = self.service
        for row in rows:
            self.read_upto = row.notification_id
            if row.notification_id == GENESIS_ID:
                if row.hash != genesis(service):
                    self._found("genesis", row, f"{service}: the chain does not start from {service}'s genesis hash")
                self._previous = row.hash
                continue
            if self._previous is None:
                self._found("genesis", row, f"{service}: the chain has no genesis (notification id 0)")
                self._previous = genesis(service)
            if row.state is None:
                self._found(
                    "deleted", row, f"{service}: notification {row.notification_id} is chained but its event is gone"
                )
                self._previous, self.last_id = row.hash, row.notification_id
                continue
            self.checked += 1
            if row.hash is None:
                self._found(
                    "unchained",
                    row,
                    f"{service}: {row.topic} of {row.originator_id} v{row.version} (notification "
                    f"{row.notification_id}) has no chain hash (stored past the chain)",
                )
                continue
            assert row.originator_id is not None and row.version is not None
            expected = link(
                self._previous, digest(row.notification_id, row.originator_id, row.version, row.topic, row.state)
            )
            if expected != row.hash:
                skipped = row.notification_id - self.last_id - 1
                hint = f"; or one of the {skipped} notification id(s) before it was deleted" if skipped > 0 else ""
                self._found(
                    "altered",
                    row,
                    f"{service}: {row.topic} of aggregate {row.originator_id} version {row.version} (notification "
                    f"{row.notification_id}) does not match its chain hash: its stored bytes were altered{hint}",
                )
            self._previous, self.last_id = row.hash, row.notification_id


def check_chain(service: str, rows: Iterable[LogRow]) -> tuple[int, list[Finding]]:
    """(events checked, findings) for a whole log read from notification id 0 on."""
    checker = ChainChecker(service)
    checker.feed(rows)
    return checker.checked, checker.findings
