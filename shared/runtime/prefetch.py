"""Load the aggregates a batch of incoming events will touch in two queries instead of two per event.

The tracked consumer applies a partition's batch in one transaction; before the handlers run, the
application names the aggregates each envelope concerns (`HallmarkApplication.aggregate_ids_of`) and
they are read here at once: the newest snapshot of each (one query), then every event after it (one
query), folded as eventsourcing's repository folds them. `HallmarkApplication.load` hands each out once
(an id with no events is not found, without asking again); anything not read ahead, or asked for again,
is read the usual way. Saving still checks versions, so a copy that another writer overtook meanwhile
(or an aggregate it created meanwhile) is refused and the batch falls back to one message at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg import sql

prefetched: ContextVar[dict[uuid.UUID, Any] | None] = ContextVar("prefetched", default=None)
"""The aggregates read ahead for the batch being applied in this thread (set and read in it)."""

SNAPSHOTS = sql.SQL(
    "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state FROM {} "
    "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version DESC"
)
EVENTS_AFTER = sql.SQL(
    "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {} e "
    "JOIN unnest(%s::uuid[], %s::bigint[]) AS s(id, after) "
    "ON e.originator_id = s.id AND e.originator_version > s.after "
    "ORDER BY e.originator_id, e.originator_version"
)


def _stored(rows: Iterable[Any]) -> list[StoredEvent]:
    """Rows as eventsourcing's connections return them (dicts) to stored events."""
    return [
        StoredEvent(
            originator_id=r["originator_id"],
            originator_version=r["originator_version"],
            topic=r["topic"],
            state=bytes(r["state"]),
        )
        for r in rows
    ]


def load_many(app: Any, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The current state of each aggregate among `ids`, None for one that does not exist (yet): a writer
    that creates it meanwhile is refused when this batch saves it too (PostgreSQL storage; {} otherwise)."""
    wanted = list(dict.fromkeys(ids))
    datastore = getattr(app.recorder, "datastore", None)
    if not wanted or datastore is None or getattr(datastore, "originator_id_type", "uuid") != "uuid":
        return {}
    folded: dict[Any, Any] = {}  # by originator id
    with datastore.get_connection() as conn, conn.cursor() as cursor:
        if app.snapshots is not None:
            cursor.execute(SNAPSHOTS.format(sql.Identifier(app.snapshots.recorder.events_table_name)), (wanted,))
            for snapshot in _stored(cursor.fetchall()):
                folded[snapshot.originator_id] = app.snapshots.mapper.to_domain_event(snapshot).mutate(None)
        after = [folded[i].version if i in folded else 0 for i in wanted]
        cursor.execute(EVENTS_AFTER.format(sql.Identifier(app.recorder.events_table_name)), (wanted, after))
        rows = cursor.fetchall()
    for stored in _stored(rows):
        folded[stored.originator_id] = app.mapper.to_domain_event(stored).mutate(folded.get(stored.originator_id))
    return {i: folded.get(i) for i in wanted}
