"""Where accepted payment vouchers (P2) are kept (the VoucherStore port), and how their type is read.

The type comes from the bytes (`sniff`, shared with the other upload routes), never from a name or a
header. Production keeps the bytes in the payments database (`payment_vouchers`, bytea), so every API
replica and the worker read what any replica received; unit tests keep them in a dictionary. Nothing
is written before the voucher passed its checks."""

from __future__ import annotations

import uuid

from services.payments.domain.voucher_files import VoucherFile
from shared.runtime.files import FileTable
from shared.runtime.http.uploads import sniff

__all__ = ["InMemoryVoucherStore", "PostgresVoucherStore", "sniff"]


class InMemoryVoucherStore:
    def __init__(self) -> None:
        self._files: dict[tuple[uuid.UUID, str], VoucherFile] = {}

    def put(self, voucher: VoucherFile) -> None:
        self._files.setdefault((voucher.payment_id, voucher.file_ref), voucher)

    def get(self, payment_id: uuid.UUID, file_ref: str) -> VoucherFile | None:
        return self._files.get((payment_id, file_ref))

    def count(self) -> int:
        return len(self._files)


_DDL = """
CREATE TABLE IF NOT EXISTS payment_vouchers (
    payment_id uuid NOT NULL,
    file_ref text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    data bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, file_ref)
)
"""


class PostgresVoucherStore:
    """Vouchers in the `payment_vouchers` table of the payments database; the table is made on first
    use (constructing the store connects to nothing)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._table = FileTable(dsn, _DDL)
        self._connect = self._table.connect

    def put(self, voucher: VoucherFile) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO payment_vouchers (payment_id, file_ref, content_type, size, data) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (payment_id, file_ref) DO NOTHING",
                (voucher.payment_id, voucher.file_ref, voucher.content_type, voucher.size, voucher.data),
            )

    def get(self, payment_id: uuid.UUID, file_ref: str) -> VoucherFile | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT content_type, data FROM payment_vouchers WHERE payment_id = %s AND file_ref = %s",
                (payment_id, file_ref),
            ).fetchone()
        return VoucherFile(payment_id, file_ref, row[0], bytes(row[1])) if row else None

    def count(self) -> int:
        with self._connect() as conn:
            row = conn.execute("SELECT count(*) FROM payment_vouchers").fetchone()
        return int(row[0]) if row else 0
