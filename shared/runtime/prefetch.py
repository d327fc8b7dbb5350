"""Read what applying a batch of incoming events needs in one statement: the highest notification id
recorded for the batch's partition, and the aggregates the batch will touch.

The tracked consumer applies a partition's batch in one transaction; before the handlers run, the
application names the aggregates each envelope concerns (`HallmarkApplication.aggregate_ids_of`) and
they are read here at once with the tracking id (`read_ahead`, one round trip): the newest snapshot of
each, then every event after it, folded as eventsourcing's repository folds them.
`HallmarkApplication.load` hands each out once (an id with no events is not found, without asking
again); anything not read ahead, or asked for again, is read the usual way. Saving still checks
versions and the tracking id, so a copy that another writer overtook meanwhile (or an aggregate it
created meanwhile) is refused and the batch falls back to one message at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.rows import tuple_row

prefetched: ContextVar[dict[uuid.UUID, Any] | None] = ContextVar("prefetched", default=None)
"""The aggregates read ahead for the batch being applied in this thread (set and read in it)."""

SNAPSHOTS, EVENTS, TRACKING = 0, 1, 2  # the kinds of row `read_ahead` reads
_NEWEST_SNAPSHOTS = (
    "snap AS (SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state FROM {snapshots} "
    "WHERE originator_id = ANY(%(ids)s) ORDER BY originator_id, originator_version DESC)"
)
_EVENTS_AFTER = (
    "SELECT 1, e.originator_id, e.originator_version, e.topic, e.state "
    "FROM unnest(%(ids)s::uuid[]) AS w(id) JOIN {events} e ON e.originator_id = w.id AND e.originator_version > {after}"
)
_AFTER_SNAPSHOT = "coalesce((SELECT originator_version FROM snap WHERE snap.originator_id = w.id), 0)"
_TRACKING = "SELECT 2, NULL::uuid, max(notification_id), NULL, NULL FROM {tracking} WHERE application_name = %(name)s"
_statements: dict[tuple[str, ...], bytes] = {}


def _statement(events: str, snapshots: str | None, tracking: str | None) -> bytes:
    """The one statement for these tables (rendered once): rows of (kind, id, version, topic, state)."""
    key = (events, snapshots or "", tracking or "")
    if key not in _statements:
        parts = [_EVENTS_AFTER.replace("{after}", _AFTER_SNAPSHOT if snapshots else "0")]
        if snapshots:
            parts.insert(0, "SELECT 0, * FROM snap")
        if tracking:
            parts.append(_TRACKING)
        template = " UNION ALL ".join(parts) + " ORDER BY 1, 2, 3"
        if snapshots:
            template = f"WITH {_NEWEST_SNAPSHOTS} {template}"
        names = {"events": events, "snapshots": snapshots or "", "tracking": tracking or ""}
        query = sql.SQL(template).format(**{k: sql.Identifier(v) for k, v in names.items()})
        _statements[key] = query.as_bytes(None)
    return _statements[key]


def read_ahead(app: Any, tracking_name: str | None, ids: Iterable[uuid.UUID]) -> tuple[int, dict[uuid.UUID, Any]]:
    """The highest notification id recorded under `tracking_name` (0 if none; not read without a name) and
    the current state of each aggregate among `ids`, None for one that does not exist (yet): a writer that
    creates it meanwhile is refused when this batch saves it too. PostgreSQL storage; in memory, only the
    tracking id (no aggregates)."""
    wanted = list(dict.fromkeys(ids))
    datastore = getattr(app.recorder, "datastore", None)
    if datastore is None or getattr(datastore, "originator_id_type", "uuid") != "uuid":
        return (app.recorder.max_tracking_id(tracking_name) or 0) if tracking_name else 0, {}
    if not wanted and not tracking_name:
        return 0, {}
    snapshots = app.snapshots.recorder.events_table_name if app.snapshots is not None else None
    tracking = app.recorder.tracking_table_name if tracking_name else None
    statement = _statement(app.recorder.events_table_name, snapshots, tracking)
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(statement, {"ids": wanted, "name": tracking_name}, prepare=True)
        rows = cursor.fetchall()
    seen, folded = 0, {}  # folded: by originator id
    for kind, originator_id, version, topic, state in rows:
        if kind == TRACKING:
            seen = version or 0
            continue
        stored = StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
        if kind == SNAPSHOTS:
            folded[originator_id] = app.snapshots.mapper.to_domain_event(stored).mutate(None)
        else:
            folded[originator_id] = app.mapper.to_domain_event(stored).mutate(folded.get(originator_id))
    return seen, {i: folded.get(i) for i in wanted}


def load_many(app: Any, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The current state of each aggregate among `ids` (see `read_ahead`); {} in memory."""
    return read_ahead(app, None, ids)[1]
