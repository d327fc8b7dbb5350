"""The inventory application's footing: writes decided on the current state and retried when another
writer (a second replica, the timer loop) got there first; the queries the use cases share."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import EnvType, get_topic

from services.inventory.domain.errors import ReservationNotFound, StockBusy, UnknownSku
from services.inventory.domain.reservation import Reservation, reservation_id
from services.inventory.domain.sku import Sku, sku_id
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import HallmarkApplication
from shared.runtime.timers import Timer, timer_id

log = logging.getLogger("hallmark.inventory")
T = TypeVar("T")
PE = ProcessingEvent[uuid.UUID]
Attempt = Callable[[], tuple[T, list[Any]]]
"""Loads what it needs, decides, and returns (result, aggregates to save)."""

HOLD_EXPIRY = "hold-expiry"
PICKING_SLA = "picking-sla"


def hold_target(code: str, hold_id: str) -> str:
    """The timer target of a hold: its SKU and id (a SKU code never holds the uuid's '/')."""
    return f"{code}/{hold_id}"


def pause(attempt: int) -> None:
    """Back off a little, at random, so that writers who collided do not collide again."""
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))


class InventoryBase(HallmarkApplication):
    service = "inventory"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Sku: 50}

    # --- settings (defaults for in-memory use; bootstrap passes the service's settings) ----------
    hold_ttl = timedelta(seconds=1800)
    picking_sla = timedelta(hours=48)
    conflict_retries = 25

    def __init__(self, settings: Any, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(settings, env, clock)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- writing: I2 ----------------------------------------------------------------------------
    @contextmanager
    def _locked(self, codes: Iterable[str]) -> Iterator[None]:
        """Queue this process's writers of the same SKUs (in code order, so never a deadlock). Only
        spares them conflicts: what keeps I2 is the version check on save, across processes too."""
        with self._locks_guard:
            locks = [self._locks.setdefault(code, threading.Lock()) for code in sorted(set(codes))]
        with ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield

    def commit(self, codes: Iterable[str], attempt: Attempt[T]) -> T:
        """Decide on the current state and save in one transaction. The store takes each aggregate's
        next version once, so if another writer saved one of these aggregates first, the save fails
        and we decide again on the new state; nothing is recorded until a decision holds."""
        codes = list(codes)
        with self._locked(codes):
            for tries in range(self.conflict_retries):
                result, aggregates = attempt()
                try:
                    self.save(*aggregates)
                except IntegrityError:
                    log.info("version conflict: deciding again", extra={"skus": codes})
                    pause(tries)
                    continue
                return result
        raise StockBusy(
            f"{', '.join(codes) or 'order'}: changed by others {self.conflict_retries} times in a row; "
            "nothing was recorded, try again",
            field="sku",
            rule="I2",
        )

    def process_envelope(self, envelope: Envelope, tracking: Tracking) -> None:
        """Apply one incoming event; when another replica changed the same SKU meanwhile, apply it
        again on the new state (the chassis retries too, but only a few times and without pause)."""
        for tries in range(self.conflict_retries):
            try:
                super().process_envelope(envelope, tracking)
                return
            except IntegrityError:
                seen = self.recorder.max_tracking_id(tracking.application_name) or 0
                if seen >= tracking.notification_id or tries + 1 == self.conflict_retries:
                    raise
                log.info("version conflict: applying again", extra={"tracking": tracking.application_name})
                pause(tries)

    def process_batch(self, items: list[tuple[Envelope, int]], tracking_name: str) -> None:
        try:
            super().process_batch(items, tracking_name)
        except IntegrityError:
            log.info("version conflict on a batch: applied one by one", extra={"tracking": tracking_name})
            raise

    def expire_hold(self, code: str, hold_id: str) -> int:
        """The hold's time is up (I1): its stock is free again; 0 if it was checked out or released."""

        def attempt() -> tuple[int, list[Any]]:
            sku = self.get_sku(code)
            return sku.release_hold(hold_id, "expired"), [sku]

        return self.commit([code], attempt)

    def cancel_timer(self, kind: str, target: str, pe: PE | None = None) -> Timer | None:
        """A pending timer that is no longer needed (its hold ended, its order left the shelf)."""
        timer = self.find(timer_id(kind, target), pe)
        if not isinstance(timer, Timer) or timer.fired_at is not None or timer.cancelled:
            return None
        timer.cancel()
        return timer

    # --- reading --------------------------------------------------------------------------------
    def find(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Any:
        """The aggregate (the copy changed in `pe` if any), or None."""
        try:
            return self.load(aggregate_id, pe)
        except AggregateNotFoundError:
            return None

    def get_sku(self, code: str, pe: PE | None = None) -> Sku:
        sku = self.find(sku_id(code), pe)
        if not isinstance(sku, Sku):
            raise UnknownSku(f"no SKU {code!r} in the catalogue", field="sku", rule="I1")
        return sku

    def list_skus(self) -> list[Sku]:
        topic = get_topic(Sku.Catalogued)
        notifications = self.recorder.select_notifications(start=1, limit=100_000, topics=[topic])
        return [self.repository.get(uuid.UUID(str(n.originator_id))) for n in notifications]

    def get_reservation(self, order_id: str, pe: PE | None = None) -> Reservation | None:
        reservation = self.find(reservation_id(order_id), pe)
        return reservation if isinstance(reservation, Reservation) else None

    def reservation(self, order_id: str) -> Reservation:
        reservation = self.get_reservation(order_id)
        if reservation is None:
            raise ReservationNotFound(
                f"inventory has no order {order_id} (no OrderPlaced seen)", field="order_id", rule="I4"
            )
        return reservation

    def sku_history(self, code: str) -> list[dict[str, Any]]:
        """Every event of the SKU, in order (auditors)."""
        self.get_sku(code)
        return self.history(sku_id(code))

    def sku_as_of(self, code: str, at: datetime | None) -> Sku:
        """The SKU replayed up to `at` (None: every event), for auditors."""
        sku = self.replay_as_of(sku_id(code), at)
        if not isinstance(sku, Sku):
            when = at.isoformat() if at else "now"
            raise UnknownSku(f"no SKU {code!r} in the catalogue as of {when}", field="as_of", rule="I1")
        return sku

    def sla_breaches(self) -> list[dict[str, Any]]:
        """Orders whose picking did not finish within the SLA of their confirmation (I4)."""
        topic = get_topic(Reservation.PickingSlaBreached)
        found = self.recorder.select_notifications(start=1, limit=10_000, topics=[topic])
        events: list[Any] = [self.mapper.to_domain_event(n) for n in found]
        return [{"order_id": e.order_id, "due_at": e.due_at, "breached_at": e.at} for e in events]
