"""S3: carriers sign each webhook call: HMAC-SHA256 with their secret over `<timestamp>.<raw body>`,
sent as `X-Carrier-Signature: sha256=<hex>` with `X-Carrier-Timestamp: <unix seconds>`. The
timestamp is inside the signature, so a captured call cannot be replayed later with a fresh one."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "X-Carrier-Signature"
TIMESTAMP_HEADER = "X-Carrier-Timestamp"


class SignatureRefused(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = "S3"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime, window_seconds: int
) -> None:
    """Accept a call signed with `secret` within `window_seconds` of `now`; else SignatureRefused."""
    if not signature:
        raise SignatureRefused(f"unsigned: the {SIGNATURE_HEADER} header is missing", SIGNATURE_HEADER)
    if not timestamp or not timestamp.isdigit():
        raise SignatureRefused(f"the {TIMESTAMP_HEADER} header must be unix seconds", TIMESTAMP_HEADER)
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise SignatureRefused("the signature does not match the body and timestamp", SIGNATURE_HEADER)
    age = now.timestamp() - int(timestamp)
    if abs(age) > window_seconds:
        raise SignatureRefused(
            f"signed {int(age)} s from now: outside the {window_seconds} s replay window", TIMESTAMP_HEADER
        )
