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
NO_NOTIFICATION_ID = "headers.notification_id: missing or not a positive integer"


@dataclass
class BatchResult:
    applied: int = 0
    ignored: int = 0
    duplicates: int = 0
    dead: list[tuple[Incoming, str]] = field(default_factory=list)

    def merge(self, other: BatchResult) -> None:
        self.applied += other.applied
        self.ignored += other.ignored
        self.duplicates += other.duplicates
        self.dead += other.dead


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
        self.seen: dict[str, int] = {}
        """Per tracking name, the highest notification id this process knows recorded (read or applied)."""

    def apply_batch(self, messages: list[Incoming], final: bool = False) -> BatchResult:
        """Synchronous: run it in a worker thread (eventsourcing is blocking).

        Consecutive messages of one partition are applied in one transaction, tracked by the last
        notification id; if that fails they are applied one by one, so only a bad one is dead-lettered.
        A group the service ignores entirely (by header) costs no query (`screen`).
        A NotYet message raises (nothing of its partition's group is kept; the caller waits and retries),
        unless `final`: then it is dead-lettered like a message that broke a rule.
        """
        result = BatchResult()
        for name, grouped in groupby(messages, key=lambda m: m.tracking_name):
            group = list(grouped)
            screened = self.screen(group)
            if screened is not None:
                result.merge(screened)
                continue
            looked = [(message, self._look(message)) for message in group]
            envelopes = [v[1] for _, v in looked if isinstance(v, tuple) and v[1] is not None]
            wanted = (i for envelope in envelopes for i in self.app.aggregate_ids_of(envelope))
            max_seen, ahead = read_ahead(self.app, name, wanted)  # one round trip
            self._saw(name, max_seen)
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

    def screen(self, messages: list[Incoming]) -> BatchResult | None:
        """The outcome of a partition's batch told by its headers alone (no decoding, no query, no thread:
        cheap enough for the event loop), if the service ignores every message of it (or one has no
        notification id: dead-lettered); else None. A message at or below the highest notification id
        this process knows to be recorded for the partition counts as a duplicate, as `apply_batch` would
        count it, others as ignored (one redelivered after a restart, before anything was read, too)."""
        result = BatchResult()
        for message in messages:
            raw_id = message.header("notification_id")
            if raw_id is None or not raw_id.isdigit():
                result.dead.append((message, NO_NOTIFICATION_ID))
                continue
            event_type = message.header("event_type")
            if event_type is None or self.app.handles(event_type):
                return None
            if int(raw_id) <= self.seen.get(message.tracking_name, 0):
                result.duplicates += 1
            else:
                result.ignored += 1
        return result

    def _saw(self, name: str, notification_id: int | None) -> None:
        """Remember the highest notification id known recorded for a partition (ids only rise)."""
        if notification_id and notification_id > self.seen.get(name, 0):
            self.seen[name] = notification_id

    def _look(self, message: Incoming) -> str | tuple[int, Envelope | None, str | None]:
        """What can be told of a message before knowing whether it was applied: an error for a missing
        notification id, else (its id, its envelope if it is one to apply, or why it is not: 'ignored'
        by its header before paying for decoding it, by its type, or a decoding error)."""
        raw_id = message.header("notification_id")
        if raw_id is None or not raw_id.isdigit():
            return NO_NOTIFICATION_ID
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
            self._saw(name, ready[-1][2])
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
        """Apply one partition's batch (see `handle_many`); raises what applying it raised."""
        (outcome,) = await self.handle_many([messages])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def handle_many(self, batches: list[list[Incoming]]) -> list[BatchResult | Exception]:
        """Apply several partitions' batches (one per partition), then dead-letter what failed; per batch,
        its result or what applying it raised (the caller reads that partition again).

        A batch the service ignores is told apart in the event loop (`screen`); the others are applied in
        one hop to a worker thread, each in its own transaction. A batch that found the store unreachable
        or a NotYet message is then tried again on its own with a growing pause, exactly as if alone
        (nothing is acknowledged meanwhile; tracking makes the part that had already committed a no-op)."""
        outcomes: list[BatchResult | Exception | None] = [self.screen(batch) for batch in batches]
        todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
        if todo:
            first = await asyncio.to_thread(self._apply_each, [batches[i] for i in todo])
            for i, applied in zip(todo, first, strict=True):
                if isinstance(applied, (*TRANSIENT, NotYet)):
                    try:
                        applied = await self._again(batches[i], applied)
                    except Exception as exc:
                        applied = exc
                outcomes[i] = applied
        done: list[BatchResult | Exception] = []
        for outcome in outcomes:
            assert outcome is not None
            if isinstance(outcome, BatchResult):
                try:
                    for message, error in outcome.dead:
                        await self.dead_letters.send(message, error)
                except Exception as exc:
                    outcome = exc
            done.append(outcome)
        return done

    def _apply_each(self, batches: list[list[Incoming]]) -> list[BatchResult | Exception]:
        """In a worker thread: each batch applied on its own; what one raised does not stop the others."""
        outcomes: list[BatchResult | Exception] = []
        for batch in batches:
            try:
                outcomes.append(self.apply_batch(batch))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    async def _again(self, messages: list[Incoming], failure: Exception) -> BatchResult:
        """Try a batch again after a transient failure or a NotYet, with a growing pause; a NotYet batch
        waiting `not_yet_seconds` in all is applied one last time with its NotYet messages dead-lettered."""
        pause, waiting_since, final = 0.1, 0.0, False
        while True:
            if isinstance(failure, NotYet):
                waiting_since = waiting_since or time.monotonic()
                final = time.monotonic() - waiting_since >= self.not_yet_seconds
                log.info("batch waits for an earlier event", extra={"reason": str(failure), "retry_in_s": pause})
            else:
                log.warning("store unavailable; batch retried", extra={"error": repr(failure), "retry_in_s": pause})
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
            try:
                return await asyncio.to_thread(self.apply_batch, messages, final)
            except (*TRANSIENT, NotYet) as exc:
                failure = exc

    def retry_dead_letter(self, conn: psycopg.Connection, letter_id: int, actor: str) -> str:
        """Apply a dead letter again (ops); its own tracking id guards against a double retry."""
        message = self.dead_letters.load(conn, letter_id)
        verdict = self._screen(message, max_seen=None)
        outcome = verdict if isinstance(verdict, str) else self._apply_one(message, *verdict, after_batch=False)
        if outcome in ("applied", "duplicate", "ignored"):
            self.dead_letters.resolve(conn, letter_id, "retried", actor)
        return outcome
