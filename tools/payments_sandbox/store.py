"""The sandbox gateway's state: responses by idempotency key, and captures. SQLite, last four digits only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, idempotency_key)
);
CREATE TABLE IF NOT EXISTS captures (
    provider_ref TEXT PRIMARY KEY,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    method TEXT NOT NULL,
    network TEXT,
    last4 TEXT,
    refunded_minor INTEGER NOT NULL DEFAULT 0
);
"""


class SandboxStore:
    """Everything the sandbox remembers, in one SQLite file, so a restart answers retries the same way."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "sandbox.sqlite3"
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        # WAL, synced at checkpoints: what was committed survives the process (a restart answers retries
        # the same way), without a journal file written, synced and deleted per capture
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def response(self, kind: str, idempotency_key: str) -> tuple[str, dict[str, Any]] | None:
        """The (fingerprint, body) stored for a key, if the key was seen."""
        row = self._db.execute(
            "SELECT fingerprint, body FROM responses WHERE kind = ? AND idempotency_key = ?", (kind, idempotency_key)
        ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def capture(self, provider_ref: str) -> dict[str, Any] | None:
        """A recorded capture (network and last four only), if there is one."""
        row = self._db.execute(
            "SELECT provider_ref, amount_minor, currency, method, network, last4, refunded_minor"
            " FROM captures WHERE provider_ref = ?",
            (provider_ref,),
        ).fetchone()
        keys = ("provider_ref", "amount_minor", "currency", "method", "network", "last4", "refunded_minor")
        return None if row is None else dict(zip(keys, row, strict=True))

    def record_capture(self, idempotency_key: str, fingerprint: str, body: dict[str, Any]) -> None:
        """Keep a capture's response under its key and, if it captured, the capture itself."""
        with self._db:
            self._keep("capture", idempotency_key, fingerprint, body)
            if body["status"] == "captured":
                self._db.execute(
                    "INSERT INTO captures (provider_ref, amount_minor, currency, method, network, last4)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    tuple(body[k] for k in ("provider_ref", "amount_minor", "currency", "method", "network", "last4")),
                )

    def record_refund(self, idempotency_key: str, fingerprint: str, body: dict[str, Any]) -> None:
        """Keep a refund's response under its key and, if it refunded, add it to its capture."""
        with self._db:
            self._keep("refund", idempotency_key, fingerprint, body)
            if body["status"] == "refunded":
                self._db.execute(
                    "UPDATE captures SET refunded_minor = refunded_minor + ? WHERE provider_ref = ?",
                    (body["amount_minor"], body["provider_ref"]),
                )

    def _keep(self, kind: str, idempotency_key: str, fingerprint: str, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO responses (kind, idempotency_key, fingerprint, body) VALUES (?, ?, ?, ?)",
            (kind, idempotency_key, fingerprint, json.dumps(body)),
        )
