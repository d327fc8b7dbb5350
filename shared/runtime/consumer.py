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
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import psycopg
from eventsourcing.persistence import (
    ConnectionUnavailableError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    Tracking,
)

from shared.events import ContractError, Envelope, decode
from shared.runtime.deadletters import DeadLetters
from shared.runtime.messages import Incoming
from shared.runtime.prefetch import prefetched, read_ahead
from shared.runtime.store import HallmarkApplication, NotYet

log = logging.getLogger("hallmark.consumer")
FAULT_EXIT_AFTER_APPLY = "consumer_exit_after_apply"
TRANSIENT = (
    OperationalError,
    InterfaceError,
    ConnectionUnavailableError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
"""The store is down or busy (connection lost, lock timeout): the batch is tried again, never dead-lettered."""


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
        conflict_retries: int = 20,
        not_yet_seconds: float = 240.0,
    ) -> None:
        self.not_yet_seconds = not_yet_seconds
        """How long a batch waits for a NotYet message's earlier event before that message is dead-lettered:
        under Kafka's max poll interval (5 minutes), past which the intake, not polling meanwhile, would
        be taken out of its group. Ops retry such a dead letter once the other topic has caught up."""
        self.app = app
        self.dead_letters = dead_letters
        self.faults = faults
        self.conflict_retries = conflict_retries

    def apply_batch(self, messages: list[Incoming], final: bool = False) -> BatchResult:
        """Synchronous: run it in a worker thread (eventsourcing is blocking).

        Consecutive messages of one partition are applied in one transaction, tracked by the last
        notification id; if that fails they are applied one by one, so only a bad one is dead-lettered.
        A NotYet message raises (nothing of its partition's group is kept; the caller waits and retries),
        unless `final`: then it is dead-lettered like a message that broke a rule.
        """
        result = BatchResult()
        for name, group in groupby(messages, key=lambda m: m.tracking_name):
            looked = [(message, self._look(message)) for message in group]
            envelopes = [v[1] for _, v in looked if isinstance(v, tuple) and v[1] is not None]
            wanted = (i for envelope in envelopes for i in self.app.aggregate_ids_of(envelope))
            max_seen, ahead = read_ahead(self.app, name, wanted)  # one round trip
            ready: list[tuple[Incoming, Envelope, int]] = []
            for message, verdict in looked:
                outcome = self._judge(verdict, max_seen)
                if isinstance(outcome, tuple):
                    ready.append((message, *outcome))
                    max_seen = outcome[1]
                else:
                    self._tally(result, message, outcome)
            if ready:
                self._apply_group(name, ready, result, final, ahead)
        return result

    def _look(self, message: Incoming) -> str | tuple[int, Envelope | None, str | None]:
        """What can be told of a message before knowing whether it was applied: an error for a missing
        notification id, else (its id, its envelope if it is one to apply, or why it is not: 'ignored'
        by its header before paying for decoding it, by its type, or a decoding error)."""
        raw_id = message.header("notification_id")
        if raw_id is None or not raw_id.isdigit():
            return "headers.notification_id: missing or not a positive integer"
        notification_id = int(raw_id)
        event_type = message.header("event_type")
        if event_type is not None and not self.app.handles(event_type):
            return notification_id, None, "ignored"
        try:
            envelope, _ = decode(message.value)
        except ContractError as exc:
            return notification_id, None, str(exc)
        if not self.app.handles(envelope.event_type):
            return notification_id, None, "ignored"
        return notification_id, envelope, None

    @staticmethod
    def _judge(
        verdict: str | tuple[int, Envelope | None, str | None], max_seen: int | None
    ) -> str | tuple[Envelope, int]:
        """(envelope, notification id) for a message to apply, or its outcome ('duplicate' first)."""
        if isinstance(verdict, str):
            return verdict
        notification_id, envelope, outcome = verdict
        if max_seen is not None and notification_id <= max_seen:
            return "duplicate"
        if outcome is not None or envelope is None:
            return outcome or "ignored"
        return envelope, notification_id

    def _screen(self, message: Incoming, max_seen: int | None) -> str | tuple[Envelope, int]:
        """(envelope, notification id) for a message to apply, or its outcome otherwise."""
        return self._judge(self._look(message), max_seen)

    def _apply_group(
        self,
        name: str,
        ready: list[tuple[Incoming, Envelope, int]],
        result: BatchResult,
        final: bool,
        ahead: dict[Any, Any],
    ) -> None:
        token = prefetched.set(ahead)  # handed out by `load` while the batch applies (not one by one)
        try:
            self.app.process_batch([(envelope, nid) for _, envelope, nid in ready], name)
            result.applied += len(ready)
            one_by_one = False
        except TRANSIENT:
            raise
        except Exception as exc:
            if isinstance(exc, NotYet) and not final:
                raise
            one_by_one = True
        finally:
            prefetched.reset(token)
        if one_by_one:
            for message, envelope, nid in ready:
                outcome = self._apply_one(message, envelope, nid, after_batch=True, final=final)
                self._tally(result, message, outcome)
        if result.applied and self.faults(FAULT_EXIT_AFTER_APPLY):
            log.error("fault injected: exiting after apply, before the offset commit")
            os._exit(71)

    def _apply_one(
        self, message: Incoming, envelope: Envelope, notification_id: int, after_batch: bool, final: bool = True
    ) -> str:
        """Apply one message in its own transaction; 'applied', 'duplicate' or the error text."""
        name = message.tracking_name
        tracking = Tracking(application_name=name, notification_id=notification_id)
        for attempt in range(self.conflict_retries):
            try:
                self.app.process_envelope(envelope, tracking)
                return "applied"
            except IntegrityError:
                if self.app.recorder.has_tracking_id(name, notification_id) or (
                    after_batch and (self.app.recorder.max_tracking_id(name) or 0) >= notification_id
                ):
                    return "duplicate"  # applied meanwhile (another replica)
                # another replica changed the same aggregate: back off a little, reload and retry
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
            except TRANSIENT:
                raise
            except NotYet as exc:
                if not final:
                    raise
                log.warning(
                    "message still waits for an earlier event", extra={"topic": message.topic, "error": str(exc)}
                )
                return f"NotYet: {exc}"
            except Exception as exc:  # a rule the message can never pass
                log.warning("message rejected", extra={"topic": message.topic, "error": repr(exc)})
                return f"{type(exc).__name__}: {exc}"
        return "IntegrityError: version conflicts persisted after retries"

    @staticmethod
    def _tally(result: BatchResult, message: Incoming, outcome: str) -> None:
        if outcome == "applied":
            result.applied += 1
        elif outcome == "duplicate":
            result.duplicates += 1
        elif outcome == "ignored":
            result.ignored += 1
        else:
            result.dead.append((message, outcome))

    async def handle(self, messages: list[Incoming]) -> BatchResult:
        """Apply a batch (in a thread), then dead-letter what failed. While the store is unreachable the
        batch is tried again with a growing pause (nothing is acknowledged meanwhile); tracking makes the
        part that had already committed a no-op."""
        pause, waiting_since, final = 0.1, 0.0, False
        while True:
            try:
                result = await asyncio.to_thread(self.apply_batch, messages, final)
                break
            except TRANSIENT as exc:
                log.warning("store unavailable; batch retried", extra={"error": repr(exc), "retry_in_s": pause})
            except NotYet as exc:
                waiting_since = waiting_since or time.monotonic()
                final = time.monotonic() - waiting_since >= self.not_yet_seconds
                log.info("batch waits for an earlier event", extra={"reason": str(exc), "retry_in_s": pause})
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
        for message, error in result.dead:
            await self.dead_letters.send(message, error)
        return result

    def retry_dead_letter(self, conn: psycopg.Connection, letter_id: int, actor: str) -> str:
        """Apply a dead letter again (ops); its own tracking id guards against a double retry."""
        message = self.dead_letters.load(conn, letter_id)
        verdict = self._screen(message, max_seen=None)
        outcome = verdict if isinstance(verdict, str) else self._apply_one(message, *verdict, after_batch=False)
        if outcome in ("applied", "duplicate", "ignored"):
            self.dead_letters.resolve(conn, letter_id, "retried", actor)
        return outcome
