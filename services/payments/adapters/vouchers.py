"""Uploaded payment vouchers (P2), kept as files named by their content hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class VoucherStore:
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory or Path(tempfile.gettempdir()) / "hallmark-vouchers")

    def keep(self, data: bytes, suffix: str) -> str:
        """Store the file once (atomic rename) and return its reference: sha256 + suffix."""
        self.directory.mkdir(parents=True, exist_ok=True)
        ref = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        target = self.directory / ref
        if not target.exists():
            tmp = self.directory / f".{ref}.{os.getpid()}"
            tmp.write_bytes(data)
            tmp.replace(target)
        return ref

    def path(self, ref: str) -> Path:
        return self.directory / Path(ref).name
