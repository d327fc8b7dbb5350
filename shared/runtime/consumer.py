"""Tracked consumer: applies incoming integration events exactly once in effect.

Tracking name = `<topic>:<partition>`, tracking id = the upstream notification id (a header).
The events a message causes and its tracking row commit in one transaction; a message whose id is
not above the highest recorded for its partition (Kafka redelivery, relay republish) is skipped.
Messages that cannot be decoded or applied are dead-lettered, and the consumer goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking

from shared.events import ContractError, decode
from shared.runtime.deadletters import DeadLetters
from shared.runtime.messages import Incoming
from shared.runtime.store import HallmarkApplication

log = logging.getLogger("hallmark.consumer")
FAULT_EXIT_AFTER_APPLY = "consumer_exit_after_apply"


@dataclass
class BatchResult:
    applied: int = 0
    ignored: int = 0
    duplicates: int = 0
    dead: list[tuple[Incoming, str]] = field(default_factory=list)


class TrackedConsumer:
    def __init__(
        self,
        app: HallmarkApplication,
        dead_letters: DeadLetters,
        *,
        faults: Callable[[str], bool] = lambda _: False,
        conflict_retries: int = 5,
    ) -> None:
        self.app = app
        self.dead_letters = dead_letters
        self.faults = faults
        self.conflict_retries = conflict_retries

    def apply_batch(self, messages: list[Incoming]) -> BatchResult:
        """Synchronous: run it in a worker thread (eventsourcing is blocking)."""
        result = BatchResult()
        seen: dict[str, int] = {}
        for message in messages:
            name = message.tracking_name
            if name not in seen:
                seen[name] = self.app.recorder.max_tracking_id(name) or 0
            outcome = self._apply_one(message, seen[name])
            if outcome == "applied":
                seen[name] = max(seen[name], int(message.header("notification_id") or 0))
                result.applied += 1
                if self.faults(FAULT_EXIT_AFTER_APPLY):
                    log.error("fault injected: exiting after apply, before the offset commit")
                    os._exit(71)
            elif outcome == "duplicate":
                result.duplicates += 1
            elif outcome == "ignored":
                result.ignored += 1
            else:
                result.dead.append((message, outcome))
        return result

    def _apply_one(self, message: Incoming, max_seen: int | None) -> str:
        """Return 'applied', 'duplicate', 'ignored', or the error text of a dead letter."""
        raw_id = message.header("notification_id")
        if raw_id is None or not raw_id.isdigit():
            return "headers.notification_id: missing or not a positive integer"
        notification_id = int(raw_id)
        if max_seen is not None and notification_id <= max_seen:
            return "duplicate"
        try:
            envelope, _ = decode(message.value)
        except ContractError as exc:
            return str(exc)
        if not self.app.handles(envelope.event_type):
            return "ignored"
        tracking = Tracking(application_name=message.tracking_name, notification_id=notification_id)
        for _ in range(self.conflict_retries):
            try:
                self.app.process_envelope(envelope, tracking)
                return "applied"
            except IntegrityError:
                if self.app.recorder.has_tracking_id(message.tracking_name, notification_id):
                    return "duplicate"
                continue  # another replica changed the same aggregate: reload and retry
            except Exception as exc:  # a rule the message can never pass
                log.warning("message rejected", extra={"topic": message.topic, "error": repr(exc)})
                return f"{type(exc).__name__}: {exc}"
        return "IntegrityError: version conflicts persisted after retries"

    async def handle(self, messages: list[Incoming]) -> BatchResult:
        """Apply a batch (in a thread), then dead-letter what failed."""
        result = await asyncio.to_thread(self.apply_batch, messages)
        for message, error in result.dead:
            await self.dead_letters.send(message, error)
        return result

    def retry_dead_letter(self, conn: psycopg.Connection, letter_id: int, actor: str) -> str:
        """Apply a dead letter again (ops); its own tracking id guards against a double retry."""
        message = self.dead_letters.load(conn, letter_id)
        outcome = self._apply_one(message, max_seen=None)
        if outcome in ("applied", "duplicate", "ignored"):
            self.dead_letters.resolve(conn, letter_id, "retried", actor)
        return outcome
