"""The customer key table: one live AES-256 data key per customer, in the owning service's own database.

`hallmark_customer_keys` (key_id, customer_id, key, created_at, destroyed_at, destroyed_by). A key is
made the first time a customer's personal data is sealed; `destroy` (hallmark admin forget) sets
every key of the customer to NULL and records when and by whom, so a sealed value names a key id that
opens nothing any more. A customer seen again after that gets a new key (a new key id): what was
erased stays erased. The in-memory table does the same for tests and the memory store."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from psycopg import sql
from psycopg.rows import tuple_row

from shared.runtime.privacy.sealing import new_key

TABLE = "hallmark_customer_keys"
_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    key_id uuid PRIMARY KEY,
    customer_id text NOT NULL,
    key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz,
    destroyed_by text
);
CREATE UNIQUE INDEX IF NOT EXISTS {live} ON {table} (customer_id) WHERE key IS NOT NULL;
"""


@dataclass(frozen=True)
class Forgotten:
    customer_id: str
    keys_destroyed: int
    """Destroyed by this call (0 when the customer was already forgotten or never had a key)."""
    forgotten_at: datetime | None
    """When the customer's keys were first destroyed (None: the customer never had a key)."""
    forgotten_by: str | None


class KeyTable(Protocol):
    def current(self, customer_id: str) -> tuple[str, bytes]: ...

    def key(self, key_id: str) -> bytes | None: ...

    def destroy(self, customer_id: str, by: str) -> Forgotten: ...


class MemoryKeys:
    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, bytes | None]] = {}  # key_id -> (customer, key)
        self._destroyed: dict[str, tuple[datetime, str]] = {}  # customer -> first destruction
        self._lock = threading.Lock()

    def current(self, customer_id: str) -> tuple[str, bytes]:
        with self._lock:
            for key_id, (customer, key) in self._keys.items():
                if customer == customer_id and key is not None:
                    return key_id, key
            key_id, key = str(uuid.uuid4()), new_key()
            self._keys[key_id] = (customer_id, key)
            return key_id, key

    def key(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id, ("", None))[1]

    def destroy(self, customer_id: str, by: str) -> Forgotten:
        with self._lock:
            live = [k for k, (c, key) in self._keys.items() if c == customer_id and key is not None]
            for key_id in live:
                self._keys[key_id] = (customer_id, None)
            if live:
                self._destroyed.setdefault(customer_id, (datetime.now(UTC), by))
            at, who = self._destroyed.get(customer_id, (None, None))
            return Forgotten(customer_id, len(live), at, who)


class PostgresKeys:
    """The key table in the database of an eventsourcing PostgreSQL store (its datastore's pool)."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore
        self.table = sql.Identifier(datastore.schema or "public", TABLE)
        with self._cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
            cur.execute(sql.SQL(_DDL).format(table=self.table, live=sql.Identifier(f"{TABLE}_live")))

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A tuple-row cursor on a pooled connection, in a transaction committed on leaving."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as cur,
        ):
            yield cur

    def current(self, customer_id: str) -> tuple[str, bytes]:
        with self._cursor() as cur:
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (key_id, customer_id, key) VALUES (%s, %s, %s) "
                    "ON CONFLICT (customer_id) WHERE key IS NOT NULL DO NOTHING"
                ).format(self.table),
                (uuid.uuid4(), customer_id, new_key()),
            )
            row = cur.execute(
                sql.SQL("SELECT key_id, key FROM {} WHERE customer_id = %s AND key IS NOT NULL").format(self.table),
                (customer_id,),
            ).fetchone()
        return str(row[0]), bytes(row[1])

    def key(self, key_id: str) -> bytes | None:
        try:
            wanted = uuid.UUID(key_id)
        except ValueError:
            return None
        with self._cursor() as cur:
            row = cur.execute(sql.SQL("SELECT key FROM {} WHERE key_id = %s").format(self.table), (wanted,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def destroy(self, customer_id: str, by: str) -> Forgotten:
        with self._cursor() as cur:
            destroyed = cur.execute(
                sql.SQL(
                    "UPDATE {} SET key = NULL, destroyed_at = now(), destroyed_by = %s "
                    "WHERE customer_id = %s AND key IS NOT NULL RETURNING key_id"
                ).format(self.table),
                (by, customer_id),
            ).fetchall()
            row = cur.execute(
                sql.SQL(
                    "SELECT destroyed_at, destroyed_by FROM {} WHERE customer_id = %s AND destroyed_at IS NOT NULL "
                    "ORDER BY destroyed_at LIMIT 1"
                ).format(self.table),
                (customer_id,),
            ).fetchone()
        return Forgotten(customer_id, len(destroyed), row[0] if row else None, row[1] if row else None)
