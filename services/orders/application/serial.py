"""Writers of one customer's cart (or of one order) in this process queue behind each other, so
that they do not spend their retries on version conflicts with each other. Only a courtesy: what
keeps the cart and the order right is the store's version check on save, decided again by the
chassis' `commit` when another process saved first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield
