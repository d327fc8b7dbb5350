"""A service's own table of uploaded files (bytea) in its own database, made on first use: what an API
replica accepted, every replica and the worker read (ticket photos, payment vouchers). Constructing it
connects to nothing."""

from __future__ import annotations

import contextlib
import threading

import psycopg


class FileTable:
    def __init__(self, dsn: str, ddl: str) -> None:
        self.dsn = dsn
        self.ddl = ddl
        self._ready = False
        self._lock = threading.Lock()

    def connect(self) -> psycopg.Connection:
        """A connection (autocommit) to the service's database, the table made once per process."""
        conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
        if not self._ready:
            with self._lock, contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                conn.execute(self.ddl)  # two replicas making it at once: the loser's error means it exists
            self._ready = True
        return conn
