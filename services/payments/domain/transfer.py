"""Bank transfers (P2): the payment voucher that confirms an order in advance, and the settlement
that must follow within a number of days or is flagged for the account manager."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.payments.domain.errors import InvalidPayment
from services.payments.domain.values import check_text

SETTLEMENT_DAYS = 10
VOUCHER_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_VOUCHER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Voucher:
    """Proof of a transfer the customer uploaded: the kept file's reference, its size and type."""

    file_ref: str
    size: int
    content_type: str
    at: datetime


def check_voucher(method: str, file_ref: str, size: int, content_type: str, max_bytes: int = MAX_VOUCHER_BYTES) -> None:
    """Raise InvalidPayment unless this is a usable voucher for a bank transfer (P2)."""
    if method != "bank_transfer":
        raise InvalidPayment(f"a {method} payment takes no voucher: only bank transfers do", field="method", rule="P2")
    check_text(file_ref, field="voucher.file_ref", rule="P2")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= max_bytes:
        raise InvalidPayment(
            f"a voucher must be between 1 byte and {max_bytes} bytes, got {size!r}", field="voucher.size", rule="P2"
        )
    if content_type not in VOUCHER_CONTENT_TYPES:
        raise InvalidPayment(
            f"a voucher must be a PDF, JPEG or PNG file, got {content_type!r}", field="voucher.content_type", rule="P2"
        )


def check_settleable(method: str) -> None:
    """Raise InvalidPayment unless a payment by `method` settles by transfer (P2)."""
    if method != "bank_transfer":
        raise InvalidPayment(f"a {method} payment does not settle by transfer", field="method", rule="P2")


def settlement_deadline(vouchers: Sequence[Voucher], days: int = SETTLEMENT_DAYS) -> datetime | None:
    """When an unsettled transfer becomes overdue: `days` after the first voucher (P2)."""
    return vouchers[0].at + timedelta(days=days) if vouchers else None
