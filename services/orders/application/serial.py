"""Writers of one customer's cart (or of one order) in this process queue behind each other, so
that they do not spend their retries on version conflicts with each other. Only a courtesy: what
keeps the cart and the order right is the store's version check on save, decided again by the
chassis' `commit` when another process saved first. A fixed set of locks, chosen by the key's
hash, keeps memory bounded however many customers and orders pass (two keys may share a lock:
they then just wait for each other)."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager


class StripedLocks:
    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        with self._locks[zlib.crc32(key.encode()) % len(self._locks)]:
            yield
