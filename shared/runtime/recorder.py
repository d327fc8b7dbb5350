"""The PostgreSQL recorder of a service's store: eventsourcing's process recorder, recording a transaction
(the tracking row, then the events) in one statement, one round trip.

eventsourcing 9.5.6 sends BEGIN, the tracking upsert, SET LOCAL lock_timeout, LOCK TABLE, NOTIFY, the
INSERT and COMMIT in a pipeline synced twice (after the INSERT and at COMMIT), so the table lock is held
over two round trips, and it renders its composed SQL and dumps the events as a composite array in
Python on every call. Here one server-side function does the same steps in the same order inside the
statement's own transaction (the connection is in autocommit mode), so the lock is held only while the
server works; the events go as four arrays (ids, versions, topics, states) dumped in binary, built by the
server from scalars for a transaction of a few events (the usual case; a list is dumped in Python).

Guarantees kept: the tracking row commits with the events or not at all (exactly once in effect); a
tracking id not above the recorded one and a version already taken both fail the whole statement as a
unique violation (eventsourcing's IntegrityError); the EXCLUSIVE table lock is taken before the INSERT
draws notification ids and held to commit (gap-free log; the chain trigger runs under it); one NOTIFY
per transaction on the channel the relay listens on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.numeric import Int8

SMALL = 8
ARRAY_TYPES = ("uuid", "bigint", "text", "bytea")

_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}(
    ids uuid[], versions bigint[], topics text[], states bytea[], tracking_name text, tracking_id bigint
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM set_config('lock_timeout', {lock_timeout}, true);
    IF tracking_name IS NOT NULL THEN
        INSERT INTO {tracking} AS t (application_name, notification_id) VALUES (tracking_name, tracking_id)
        ON CONFLICT (application_name) DO UPDATE SET notification_id = EXCLUDED.notification_id
        WHERE t.notification_id < EXCLUDED.notification_id;
        IF NOT FOUND THEN
            RAISE unique_violation
                USING MESSAGE = format('Failed to record tracking for %s %s', tracking_name, tracking_id);
        END IF;
    END IF;
    IF cardinality(ids) > 0 THEN
        LOCK TABLE {events} IN EXCLUSIVE MODE;
        NOTIFY {channel};
        RETURN QUERY INSERT INTO {events} (originator_id, originator_version, topic, state)
            SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id;
    END IF;
END
$body$
"""


class HallmarkRecorder(PostgresProcessRecorder):
    """`insert_events` in one statement (see the module); reads are eventsourcing's."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        assert datastore.single_row_tracking and datastore.originator_id_type == "uuid"
        name = f"{events_table_name}_record"
        self.check_identifier_length(name)
        schema = datastore.schema
        function = sql.Identifier(schema, name)
        self.sql_create_statements.append(
            sql.SQL(_FUNCTION).format(
                function=function,
                lock_timeout=sql.Literal(f"{datastore.lock_timeout}s"),
                tracking=sql.Identifier(schema, tracking_table_name),
                events=sql.Identifier(schema, events_table_name),
                channel=sql.Identifier(self.channel_name),
            )
        )
        self.function = function
        self.statements: dict[int, bytes] = {}

    def statement(self, n: int) -> bytes:
        """The call for a transaction of `n` events: up to SMALL events go as scalars the server puts into
        arrays (psycopg dumps scalars in C, a list in Python), more as four arrays (rendered once each)."""
        if n not in self.statements:
            if n > SMALL:
                call = sql.SQL("SELECT * FROM {}(%b, %b, %b, %b, %s, %s)").format(self.function)
            else:
                arrays = [sql.SQL(f"ARRAY[{', '.join(['%b'] * n)}]::{kind}[]") for kind in ARRAY_TYPES]
                call = sql.SQL("SELECT * FROM {}({}, %s, %s)").format(self.function, sql.SQL(", ").join(arrays))
            self.statements[n] = call.as_bytes(None)
        return self.statements[n]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        tracking = kwargs.get("tracking")
        ids = [e.originator_id for e in stored_events]
        versions = [Int8(e.originator_version) for e in stored_events]
        topics = [e.topic for e in stored_events]
        states = [e.state for e in stored_events]
        params: list[Any] = (
            [ids, versions, topics, states] if len(stored_events) > SMALL else [*ids, *versions, *topics, *states]
        )
        params += [tracking.application_name, tracking.notification_id] if tracking is not None else [None, None]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self.statement(len(stored_events)), params, prepare=True)
            return [row[0] for row in cursor.fetchall()] if stored_events else None
