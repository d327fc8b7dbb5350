"""The hash chain over a service's notification log.

Every stored event gets `hash_n = SHA-256(hash_(n-1) || SHA-256(canonical bytes of event n))`, kept in a side
table `<events table>_chain` keyed by notification id. The chain starts from a genesis hash named after
the service (notification id 0). The canonical bytes are the notification id, the originator id and
version, the topic and the stored state, each fixed-width or length-prefixed so no two events share them:

    int8 notification_id | uuid originator_id (16 bytes) | int8 originator_version
    | int4 len(topic) | topic (UTF-8) | state

A statement-level trigger on the events table extends the chain in the transaction that inserts the
events (the recorder holds the table's EXCLUSIVE lock then, so the chain follows the notification order),
from the statement's own rows (its transition table), in notification order after the last chain row;
should events above that row be missing from the chain (stored while no trigger was installed), it
chains everything above the last chain row instead, as `extend` does. Installing the trigger on a store
that already has events chains them first ("chained from a genesis on upgrade"); a store with the
earlier trigger (which re-read the log above the last chain row) gets this one in its place, and every
start puts this version's trigger functions in place (one statement reads the statement's rows and the last
chain row; the gap check, planned afresh each time it runs, runs only when the ids do not follow on).
The same computation in Python (`link`) lets an auditor recompute every link on their side.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.numeric import Int8

from shared.runtime import archive

GENESIS_ID = 0
_INT8 = struct.Struct(">q")
_INT4 = struct.Struct(">i")


def genesis(service: str) -> bytes:
    """The hash the chain of `service` starts from (stored as notification id 0)."""
    return hashlib.sha256(b"hallmark-chain-genesis:" + service.encode()).digest()


def canonical(notification_id: int, originator_id: uuid.UUID, version: int, topic: str | None, state: bytes) -> bytes:
    encoded = (topic or "").encode()
    return b"".join(
        (
            _INT8.pack(notification_id),
            originator_id.bytes,
            _INT8.pack(version),
            _INT4.pack(len(encoded)),
            encoded,
            state or b"",
        )
    )


def digest(notification_id: int, originator_id: uuid.UUID, version: int, topic: str | None, state: bytes) -> bytes:
    """SHA-256 of one event's canonical bytes."""
    return hashlib.sha256(canonical(notification_id, originator_id, version, topic, state)).digest()


def link(previous: bytes, event_digest: bytes) -> bytes:
    """An event's chain hash from its predecessor's and its own digest (what the trigger stores)."""
    return hashlib.sha256(previous + event_digest).digest()


@dataclass(frozen=True)
class LogTables:
    """Where an application's PostgreSQL store keeps its events and their chain."""

    schema: str
    events_name: str

    @property
    def chain_name(self) -> str:
        return f"{self.events_name}_chain"

    @property
    def trigger_name(self) -> str:
        """The trigger on the events table that extends the chain."""
        return f"{self.chain_name}_rows"

    @property
    def events(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.events_name)

    @property
    def chain(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.chain_name)


def log_tables(app: Any) -> LogTables | None:
    """The tables of an application's PostgreSQL store (None for the in-memory store)."""
    recorder = app.recorder
    table = getattr(recorder, "events_table_name", None)
    datastore = getattr(recorder, "datastore", None)
    if not table or datastore is None:
        return None
    return LogTables(datastore.schema or "public", table)


def digest_sql(alias: str = "") -> str:
    """An event's canonical digest as PostgreSQL computes it (the same bytes as `canonical` here):
    SHA-256 over its notification id, originator id and version, the topic's length and the topic, and its
    stored state. One definition for the trigger that writes the chain and the audit that proves it."""
    e = f"{alias}." if alias else ""
    return (
        f"sha256(int8send({e}notification_id) || uuid_send({e}originator_id) || int8send({e}originator_version::bigint)"
        f" || int4send(octet_length(convert_to(coalesce({e}topic, ''), 'UTF8')))"
        f" || convert_to(coalesce({e}topic, ''), 'UTF8') || coalesce({e}state, ''::bytea))"
    )


_EXTEND = """
CREATE OR REPLACE FUNCTION {extend}() RETURNS bigint LANGUAGE plpgsql AS $body$
DECLARE
    last_id bigint;
    previous bytea;
    ids bigint[];
    digests bytea[];
    hashes bytea[] := '{{}}';
    n int;
BEGIN
    SELECT notification_id, hash INTO last_id, previous FROM {chain} ORDER BY notification_id DESC LIMIT 1;
    SELECT array_agg(notification_id ORDER BY notification_id),
           array_agg({digest} ORDER BY notification_id)
      INTO ids, digests FROM {events} WHERE notification_id > last_id;
    n := coalesce(array_length(ids, 1), 0);
    FOR i IN 1..n LOOP
        previous := sha256(previous || digests[i]);
        hashes[i] := previous;
    END LOOP;
    INSERT INTO {chain} (notification_id, hash) SELECT * FROM unnest(ids, hashes);
    RETURN n;
END
$body$;
CREATE OR REPLACE FUNCTION {on_rows}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    last_id bigint;
    previous bytea;
    ids bigint[];
    digests bytea[];
    hashes bytea[] := '{{}}';
BEGIN
    SELECT i.ids, i.digests, c.notification_id, c.hash INTO ids, digests, last_id, previous
      FROM (SELECT array_agg(notification_id ORDER BY notification_id) AS ids,
                   array_agg({digest} ORDER BY notification_id) AS digests FROM inserted) i
      LEFT JOIN LATERAL (SELECT notification_id, hash FROM {chain} ORDER BY notification_id DESC LIMIT 1) c ON true;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF last_id IS NULL OR ids[1] <= last_id THEN
        PERFORM {extend}();  -- events above the chain that this statement did not insert: chain them all
        RETURN NULL;
    END IF;
    IF ids[1] > last_id + 1 THEN  -- a gap in the ids: rolled back, or events stored while no trigger ran
        IF EXISTS (SELECT 1 FROM {events} WHERE notification_id > last_id AND notification_id < ids[1]) THEN
            PERFORM {extend}();
            RETURN NULL;
        END IF;
    END IF;
    FOR i IN 1..cardinality(ids) LOOP
        previous := sha256(previous || digests[i]);
        hashes[i] := previous;
    END LOOP;
    INSERT INTO {chain} (notification_id, hash) SELECT * FROM unnest(ids, hashes);
    RETURN NULL;
END
$body$;
"""


def install_chain(app: Any, service: str) -> int:
    """Create the chain table and the trigger that extends it, and the outbox archive; on a store that
    has events but no trigger yet, chain those events first, and on one with the earlier trigger, put this
    one in its place (in one transaction, with writers locked out, the chain continuing from its last row).
    Returns how many events were chained now. A no-op for the in-memory store."""
    tables = log_tables(app)
    if tables is None:
        return 0
    schema, table, events, chain = tables.schema, tables.chain_name, tables.events, tables.chain
    names = {
        "events": events,
        "chain": chain,
        "extend": sql.Identifier(schema, f"{table}_extend"),
        "on_rows": sql.Identifier(schema, f"{table}_on_rows"),
        "digest": sql.SQL(digest_sql()),
    }
    with (
        app.recorder.datastore.get_connection() as pooled,
        pooled.transaction(),
        pooled.cursor(row_factory=tuple_row) as conn,
    ):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"hallmark-chain:{table}",))
        conn.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (notification_id bigint PRIMARY KEY, hash bytea NOT NULL)").format(
                chain
            )
        )
        installed = conn.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
            (tables.trigger_name, f"{schema}.{tables.events_name}"),
        ).fetchone()
        archive.install(conn)
        conn.execute(sql.SQL(_EXTEND).format(**names))  # an installed trigger runs the functions of this version
        if installed:
            return 0
        conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events))
        conn.execute(  # the earlier trigger (it re-read the log above the last chain row), if there
            sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(f"{table}_trigger"), events)
        )
        conn.execute(sql.SQL("DROP FUNCTION IF EXISTS {}()").format(sql.Identifier(schema, f"{table}_on_insert")))
        conn.execute(
            sql.SQL("INSERT INTO {} (notification_id, hash) VALUES (%s, %s) ON CONFLICT DO NOTHING").format(chain),
            (GENESIS_ID, genesis(service)),
        )
        row = conn.execute(sql.SQL("SELECT {}()").format(names["extend"])).fetchone()
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER {} AFTER INSERT ON {} REFERENCING NEW TABLE AS inserted"
                " FOR EACH STATEMENT EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(tables.trigger_name), events, names["on_rows"])
        )
        return int(row[0]) if row else 0


def read_hashes(conn: psycopg.Connection, tables: LogTables | None, first: int, last: int) -> dict[int, bytes]:
    """Notification id -> chain hash for ids in [first, last] (what the relay puts in a header)."""
    if tables is None:
        return {}
    rows = conn.execute(
        sql.SQL("SELECT notification_id, hash FROM {} WHERE notification_id BETWEEN %s AND %s").format(tables.chain),
        (first, last),
    ).fetchall()
    return {int(n): bytes(h) for n, h in rows}


def read_chained(
    conn: psycopg.Connection, tables: LogTables, start: int, limit: int
) -> tuple[list[Notification], dict[int, bytes]]:
    """Up to `limit` notifications from `start` on, in order, with their chain hashes, in one statement
    (what the relay publishes; eventsourcing's `select_notifications` and `read_hashes` in one round trip).
    Each hash is looked up by the event's primary key (a correlated subquery), so the plan stays two index
    scans over the batch whatever the statistics say."""
    query = _CHAINED.get(tables)
    if query is None:
        query = _CHAINED[tables] = (
            sql.SQL(
                "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state,"
                " (SELECT c.hash FROM {chain} c WHERE c.notification_id = e.notification_id)"
                " FROM {events} e WHERE e.notification_id >= %s ORDER BY e.notification_id LIMIT %s"
            )
            .format(chain=tables.chain, events=tables.events)
            .as_bytes(None)
        )
    with conn.cursor(binary=True, row_factory=tuple_row) as cur:
        rows = cur.execute(query, (Int8(start), Int8(limit)), prepare=True).fetchall()
    notifications = [
        Notification(id=n, originator_id=o, originator_version=v, topic=t, state=bytes(s)) for n, o, v, t, s, _ in rows
    ]
    return notifications, {row[0]: bytes(row[5]) for row in rows if row[5] is not None}


_CHAINED: dict[LogTables, bytes] = {}


CHAIN_HEADER = "chain_hash"


def chain_header(hashes: dict[int, bytes], notification_id: int) -> list[tuple[str, bytes]]:
    """The Kafka header carrying an event's chain hash (hex), if it has one."""
    found = hashes.get(notification_id)
    return [(CHAIN_HEADER, found.hex().encode())] if found is not None else []
