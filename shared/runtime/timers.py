"""Durable timers: a deadline is an event (Timer.Scheduled), indexed from the notification log by
the relay, and fired once by the due-timer loop (the firing is itself an event, Timer.Fired).

With the system clock the loop sleeps until the next deadline it knows of (at most `idle_poll`), and
the worker wakes it when the relay has indexed a timer due sooner (`scheduled`, then `indexed` once
the relay's transaction committed); with the manual clock, which ops move forward at any moment, it
looks every `interval`."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import psycopg
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from shared.runtime.clock import Clock
from shared.runtime.logs import log_failure
from shared.runtime.waits import wait_any

log = logging.getLogger("hallmark.timers")
TIMER_NAMESPACE = uuid.UUID("0d3c7d7e-4b8e-4b8c-9a53-5b3f0a1e6c22")


class TimerAlreadyFired(Exception):
    pass


class TimerBusy(Exception):
    """Firing kept conflicting with concurrent writers; the timer stays due."""


class Timer(Aggregate):
    """One deadline for one target; its id follows from (kind, target), so it is scheduled once."""

    Scheduled: ClassVar[type[Any]]
    Fired: ClassVar[type[Any]]
    Cancelled: ClassVar[type[Any]]

    @event("Scheduled")
    def __init__(self, kind: str, target: str, due_at: datetime) -> None:
        self.kind = kind
        self.target = target
        self.due_at = due_at
        self.fired_at: datetime | None = None
        self.cancelled = False

    @staticmethod
    def create_id(kind: str, target: str, due_at: datetime | None = None) -> uuid.UUID:
        return timer_id(kind, target)

    def check_pending(self) -> None:
        if self.fired_at is not None or self.cancelled:
            raise TimerAlreadyFired(f"timer {self.kind}:{self.target} is no longer pending")

    @event("Fired")
    def fire(self, at: datetime) -> None:
        self.fired_at = at

    @event("Cancelled")
    def cancel(self) -> None:
        self.cancelled = True


def timer_id(kind: str, target: str) -> uuid.UUID:
    return uuid.uuid5(TIMER_NAMESPACE, f"{kind}:{target}")


@dataclass(frozen=True)
class TimerIndexPlan:
    """What a relay batch's Timer events do to `hallmark_timers`, as two statements."""

    fired: list[uuid.UUID]  # named by a Fired/Cancelled: marked fired where they were indexed before the batch
    scheduled: list[tuple[uuid.UUID, str, str, datetime, bool]]  # inserted unless indexed; fired if a firing follows

    def earliest_pending(self) -> datetime | None:
        pending = [due_at for _, _, _, due_at, fired in self.scheduled if not fired]
        return min(pending) if pending else None


def plan_timer_index(batch: Iterable[tuple[int, Any]]) -> TimerIndexPlan:
    """The effect of one statement per Timer event, in log order (Scheduled: insert unless indexed; Fired
    or Cancelled: mark fired), as an update of the rows that existed before the batch followed by one
    insert whose `fired` says whether a firing came after the Scheduled within the batch."""
    rows: dict[uuid.UUID, list[Any]] = {}
    fired: dict[uuid.UUID, None] = {}
    for _, domain_event in batch:
        if isinstance(domain_event, Timer.Scheduled):
            tid = domain_event.originator_id
            if tid not in rows:  # a second Scheduled of the same id is a conflict: nothing
                rows[tid] = [tid, domain_event.kind, domain_event.target, domain_event.due_at, False]
        elif isinstance(domain_event, (Timer.Fired, Timer.Cancelled)):
            fired[domain_event.originator_id] = None
            if domain_event.originator_id in rows:
                rows[domain_event.originator_id][4] = True
    return TimerIndexPlan(list(fired), [(r[0], r[1], r[2], r[3], r[4]) for r in rows.values()])


_MARK_FIRED = "UPDATE hallmark_timers SET fired = true WHERE timer_id = ANY(%b::uuid[])"
_INSERT = (
    "INSERT INTO hallmark_timers (timer_id, kind, target, due_at, fired) "
    "SELECT * FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::timestamptz[], %b::bool[]) "
    "ON CONFLICT (timer_id) DO NOTHING"
)


def index_timers(conn: psycopg.Connection, batch: list[tuple[int, Any]]) -> datetime | None:
    """Relay subscriber: keep `hallmark_timers` in step with a batch's Timer events, in the relay's
    transaction (two statements at most, none for a batch without timers). Returns the earliest
    deadline it indexed as pending."""
    plan = plan_timer_index(batch)
    if plan.fired:  # first: the update must not see the rows this batch inserts
        conn.execute(_MARK_FIRED, (plan.fired,))
    if plan.scheduled:
        conn.execute(_INSERT, [list(column) for column in zip(*plan.scheduled, strict=True)])
    return plan.earliest_pending()


TimerHandler = Callable[[Any, Timer, ProcessingEvent[uuid.UUID]], None]


class TimerService:
    """Schedules timers inside a use case and fires the due ones (with the service's handler)."""

    def __init__(self, app: Any, clock: Clock, handlers: Mapping[str, TimerHandler], dsn: str) -> None:
        self.app = app
        self.clock = clock
        self.handlers = handlers
        self.dsn = dsn
        self._conn: psycopg.Connection | None = None  # the due-timer loop's own, kept open between rounds
        self.wake = asyncio.Event()
        self.next_due: datetime | None = None  # the earliest pending deadline the loop knows of
        self._hint: datetime | None = None  # the earliest deadline in the relay's open transaction
        self._indexed: datetime | None = None  # the earliest deadline indexed during the current round

    def schedule(self, pe: ProcessingEvent[uuid.UUID], kind: str, target: str, due_at: datetime) -> uuid.UUID:
        tid = timer_id(kind, target)
        if tid in pe.aggregates:
            return tid
        try:  # whether the timer exists: its first event, one statement (not the snapshot and every event)
            exists = bool(self.app.recorder.select_events(tid, limit=1))
        except Exception:
            exists = False
        if not exists:
            pe.collect_events(Timer(kind=kind, target=target, due_at=due_at))
        return tid

    def fire(self, tid: uuid.UUID, attempts: int = 10) -> bool:
        """Fire one timer with its effects in one transaction; False if it had fired already.

        A conflict on another aggregate the effect touches is retried (reload, decide again); only a
        timer that is no longer pending counts as done."""
        for attempt in range(attempts):
            timer: Timer = self.app.repository.get(tid)
            if timer.fired_at is not None or timer.cancelled:
                return False
            pe: ProcessingEvent[uuid.UUID] = ProcessingEvent()
            handler = self.handlers.get(timer.kind)
            if handler is not None:
                handler(self.app, timer, pe)
            timer.fire(at=self.clock.now())
            pe.collect_events(timer)
            try:
                self.app.record(pe)
                return True
            except IntegrityError:
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # fired elsewhere, or an effect conflicted
        raise TimerBusy(f"timer {tid} kept conflicting; it stays due and is tried again")

    def _connection(self) -> psycopg.Connection:
        """The loop's connection: a new one per round (4 a second) cost PostgreSQL a backend start each."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.dsn, autocommit=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def due(self, limit: int = 100) -> list[uuid.UUID]:
        rows = (
            self._connection()
            .execute(
                "SELECT timer_id FROM hallmark_timers WHERE NOT fired AND due_at <= %s ORDER BY due_at LIMIT %s",
                (self.clock.now(), limit),
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    def pending(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT timer_id, kind, target, due_at FROM hallmark_timers WHERE NOT fired ORDER BY due_at LIMIT 1000"
            ).fetchall()
        return [{"timer_id": str(r[0]), "kind": r[1], "target": r[2], "due_at": r[3].isoformat()} for r in rows]

    def scheduled(self, due_at: datetime) -> None:
        """The relay indexed a timer due at `due_at` (called in its transaction, from its thread)."""
        hint = self._hint
        self._hint = due_at if hint is None else min(hint, due_at)

    def indexed(self) -> None:
        """The relay's transaction committed (called on the event loop): wake the loop if a timer it
        indexed is due before the loop meant to look again."""
        hint, self._hint = self._hint, None
        if hint is None:
            return
        self._indexed = hint if self._indexed is None else min(self._indexed, hint)
        if self.next_due is None or hint < self.next_due:
            self.next_due = hint
            self.wake.set()

    def _round(self) -> datetime | None:
        """Fire what is due; the earliest pending deadline afterwards."""
        self._fire_due()
        row = self._connection().execute("SELECT min(due_at) FROM hallmark_timers WHERE NOT fired").fetchone()
        return row[0] if row else None

    def _fire_due(self) -> int:
        fired = 0
        for tid in self.due():
            try:
                fired += self.fire(tid)
            except TimerBusy:
                log.warning("timer busy; retried on the next round", extra={"timer_id": str(tid)})
                continue
            # fired now or before: off the due list
            self._connection().execute("UPDATE hallmark_timers SET fired = true WHERE timer_id = %s", (tid,))
        return fired

    async def run(
        self, stop: asyncio.Event, interval: float, is_leader: Callable[[], bool], idle_poll: float | None = None
    ) -> None:
        """Fire due timers while leading: every `interval`, or, given `idle_poll` and the system clock, at
        most every `interval` and otherwise at the next deadline, when woken, or after `idle_poll`."""
        to_deadline = idle_poll is not None and not getattr(self.clock, "manual", False)
        try:
            while not stop.is_set():
                looked = False
                self.wake.clear()
                self._indexed = None  # deadlines indexed while this round reads the table
                if is_leader():
                    try:
                        after = await asyncio.to_thread(self._round)
                    except Exception as exc:
                        log_failure(log, "timer loop step failed", exc)
                        await asyncio.to_thread(self.close)  # a fresh connection on the next round
                    else:
                        looked = True
                        known = [d for d in (after, self._indexed) if d is not None]
                        self.next_due = min(known) if known else None
                await wait_any(stop, seconds=interval)
                if to_deadline and looked and idle_poll is not None:
                    await wait_any(stop, self.wake, seconds=self._until_next(idle_poll) - interval)
        finally:
            await asyncio.to_thread(self.close)

    def _until_next(self, idle_poll: float) -> float:
        if self.next_due is None:
            return idle_poll
        return min(idle_poll, (self.next_due - self.clock.now()).total_seconds())


def timers_due(conn: psycopg.Connection, now: datetime) -> int:
    """How many timers are due and not fired yet (a gauge: a growing count means the loop is stuck)."""
    row = conn.execute("SELECT count(*) FROM hallmark_timers WHERE NOT fired AND due_at <= %s", (now,)).fetchone()
    return int(row[0]) if row else 0
