"""Cached responses of a read route, each served only while it shows the aggregate's current version.

A GET of one aggregate used to replay it (a snapshot query, an events query, the customer's key for
the sealed fields) and build its response model on every request. `CurrentViews` keeps the response
body an aggregate's state gave, with the version it was built from and its owner (for the visibility
check); a request asks the store for the aggregate's newest version (one query on the primary key)
and is answered from the cache only when that is the cached version. Any write any process
acknowledged before the request is in the store by then, so a GET never shows a state older than a
write acknowledged to its client (read-your-writes), without the API hearing of the writes. What is
cached must be a function of the aggregate's events alone (no clock, no key material): the orders
response shows no sealed personal data, so forgetting a customer (X4) changes nothing cached.

Per process, bounded: the least recently used view is forgotten first."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class View:
    version: int
    owner: str
    """The customer whose aggregate it is (who may see it: `Principal.may_see_customer`)."""
    body: bytes
    """The JSON response, as the route's response model serialises it."""


class CurrentViews:
    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._views: OrderedDict[uuid.UUID, View] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: uuid.UUID, version: int | None) -> View | None:
        """The view of `key` if it shows `version` (the store's newest), else None."""
        if version is None:
            return None
        with self._lock:
            view = self._views.get(key)
            if view is None or view.version != version:
                return None
            self._views.move_to_end(key)
            return view

    def put(self, key: uuid.UUID, view: View) -> None:
        """Keep `view` unless a newer one of `key` is kept already (two requests built them at once)."""
        with self._lock:
            known = self._views.get(key)
            if known is not None and known.version > view.version:
                return
            self._views[key] = view
            self._views.move_to_end(key)
            while len(self._views) > self.size:
                self._views.popitem(last=False)

    def __len__(self) -> int:
        return len(self._views)
