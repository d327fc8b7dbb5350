"""What verification reports: findings (anything that breaks the proof; `audit verify` exits non-zero
on any) and notes (facts an auditor should see that prove nothing wrong, e.g. republished duplicates)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    check: str
    """chain | topic | consumers"""
    kind: str
    """e.g. altered, deleted, unchained, genesis, gap, foreign, hash_mismatch, out_of_order, untracked"""
    service: str
    message: str
    notification_id: int | None = None
    aggregate_id: str | None = None
    version: int | None = None
    event_type: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Report:
    service: str
    findings: list[Finding] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    """Republished messages (a relay crash between publishing and recording its position): not a fault."""
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "ok": self.ok,
            "counts": self.counts,
            "findings": [f.as_dict() for f in self.findings],
            "duplicates": self.duplicates,
            "notes": self.notes,
        }
