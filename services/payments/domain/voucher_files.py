"""Voucher files (P2): the bytes of an accepted voucher, kept under a content-addressed reference, and
the port that keeps them (`VoucherStore`): the payments database in production, a dictionary in unit
tests; never a directory (two API replicas must read what either received)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Protocol

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class VoucherFile:
    payment_id: uuid.UUID
    file_ref: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


class VoucherStore(Protocol):
    def put(self, voucher: VoucherFile) -> None:
        """Keep a voucher's bytes; the same payment and reference again changes nothing."""

    def get(self, payment_id: uuid.UUID, file_ref: str) -> VoucherFile | None: ...

    def count(self) -> int: ...


def voucher_ref(data: bytes, content_type: str | None) -> str:
    """The reference a voucher is recorded and kept under: its SHA-256 and the extension of its type
    (the same bytes uploaded again are the same voucher)."""
    return hashlib.sha256(data).hexdigest() + EXTENSIONS.get(content_type or "", "")
