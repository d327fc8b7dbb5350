"""How inventory meets writers that change the same SKU at once (I2). This process's writers queue
per SKU; a write that lost a race to another process is decided again (the chassis' `commit`); an
incoming event that lost one is applied again on the new state."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

from shared.runtime import store

log = logging.getLogger("hallmark.inventory")


class SkuLocks:
    """Queue this process's writers of the same SKUs (in code order, so never a deadlock). Only spares
    them version conflicts: what keeps I2 is the store's version check on save, across processes too."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def held(self, codes: Iterable[str]) -> Iterator[None]:
        with self._guard:
            locks = [self._locks.setdefault(code, threading.Lock()) for code in sorted(set(codes))]
        with ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield


def apply_again(apply: Callable[[], None], tracking: Tracking, recorder: TrackingRecorder, retries: int) -> None:
    """Apply one incoming event; when another replica changed the same SKU meanwhile, apply it again on
    the new state, after a short random pause (the chassis consumer retries too, but fewer times). The
    conflict is raised once the event turns out applied elsewhere, or after `retries` tries."""
    for tries in range(retries):
        try:
            apply()
            return
        except IntegrityError:
            seen = recorder.max_tracking_id(tracking.application_name) or 0
            if seen >= tracking.notification_id or tries + 1 == retries:
                raise
            log.info("version conflict: applying again", extra={"tracking": tracking.application_name})
            store.backoff(tries)


@contextmanager
def batch_conflict_logged(tracking_name: str) -> Iterator[None]:
    """A batch of incoming events that conflicted is applied again one by one by the consumer: say so."""
    try:
        yield
    except IntegrityError:
        log.info("version conflict on a batch: applied one by one", extra={"tracking": tracking_name})
        raise
