"""Bank transfers (P2): the payment voucher that confirms an order in advance, and the settlements:
each records what arrived (once per bank reference), the transfer is settled when what arrived covers
what is asked, with or without a voucher first, and what arrived beyond it goes back (P6). A transfer
not settled within a number of days is flagged for the account manager. The events these record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate

from services.payments.domain.errors import InvalidPayment, PaymentConflict
from services.payments.domain.money import MAX_AMOUNT_MINOR, check_ceiling
from services.payments.domain.state import PaymentState
from services.payments.domain.values import Voucher, check_text

SETTLEMENT_DAYS = 10
VOUCHER_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_VOUCHER_BYTES = 10 * 1024 * 1024


def check_takes_voucher(method: str) -> None:
    """Raise InvalidPayment unless a payment by `method` takes a voucher: only bank transfers do (P2)."""
    if method != "bank_transfer":
        raise InvalidPayment(f"a {method} payment takes no voucher: only bank transfers do", field="method", rule="P2")


def check_voucher(
    method: str, file_ref: str, size: int, content_type: str | None, max_bytes: int = MAX_VOUCHER_BYTES
) -> None:
    """Raise InvalidPayment unless this is a usable voucher for a bank transfer (P2): `content_type` is
    what the bytes show (None: nothing recognised), never what the client said."""
    check_takes_voucher(method)
    check_text(file_ref, field="voucher.file_ref", rule="P2")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= max_bytes:
        raise InvalidPayment(
            f"a voucher must be between 1 byte and {max_bytes} bytes, got {size!r}", field="voucher.size", rule="P2"
        )
    if content_type not in VOUCHER_CONTENT_TYPES:
        found = content_type or "not a recognised file type"
        raise InvalidPayment(
            f"a voucher must be a PDF, JPEG or PNG file (its bytes are {found})",
            field="voucher.content_type",
            rule="P2",
        )


def check_settlement(method: str, amount_minor: int, reference: str, ceiling: int = MAX_AMOUNT_MINOR) -> None:
    """Raise InvalidPayment unless a payment by `method` settles by transfer, with a positive amount not
    above the ceiling, and a reference (P2)."""
    if method != "bank_transfer":
        raise InvalidPayment(f"a {method} payment does not settle by transfer", field="method", rule="P2")
    check_ceiling(amount_minor, ceiling, rule="P2", field="amount_minor")
    check_text(reference, field="reference", rule="P2")


def settlement_reference(amount_minor: int, reference: str | None) -> str:
    """The bank reference a settlement counts once under; without one, its amount: the same amount sent
    again without a reference is the same settlement (a retried request), another amount is more money."""
    return reference if reference is not None else f"unreferenced:{amount_minor}"


def newly_confirmed(settled_after: int, vouchered: int, released: int) -> int:
    """What a settlement tells the order it did not know yet: what has arrived beyond what the order was
    told (by a voucher, or by earlier settlements)."""
    return max(0, max(vouchered, settled_after) - released)


def settlement_deadline(vouchers: Sequence[Voucher], days: int = SETTLEMENT_DAYS) -> datetime | None:
    """When an unsettled transfer becomes overdue: `days` after the first voucher (P2)."""
    return vouchers[0].at + timedelta(days=days) if vouchers else None


def overdue(deadline: datetime | None, settled_at: datetime | None, flagged_at: datetime | None, now: datetime) -> bool:
    """True if a transfer is unsettled past its deadline and not yet flagged (P2)."""
    return deadline is not None and settled_at is None and flagged_at is None and now >= deadline


def check_overdue(
    deadline: datetime | None, settled_at: datetime | None, flagged_at: datetime | None, now: datetime
) -> datetime:
    """The deadline of a transfer overdue at `now`, to be flagged; raise PaymentConflict if it is not (P2)."""
    if deadline is None or not overdue(deadline, settled_at, flagged_at, now):
        raise PaymentConflict(f"settlement is not overdue at {now.isoformat()}", field="settled_at", rule="P2")
    return deadline


class VoucherReceived(Aggregate.Event):
    """The customer uploaded a proof of the transfer (P2)."""

    file_ref: str
    size: int
    content_type: str
    at: datetime
    key: str | None = None  # the upload's Idempotency-Key, if it had one (none in events stored before)

    def apply(self, payment: PaymentState) -> None:
        payment.vouchers.append(Voucher(self.file_ref, self.size, self.content_type, self.at, self.key))
        payment.vouchered_minor = payment.amount_minor  # the proof is for what was asked when it came


class Settled(Aggregate.Event):
    """Money of the transfer arrived (P2), under a bank `reference`; `confirms_minor` is what it adds to
    what the order was told it was paid, `covered` whether what arrived now covers what is asked (the
    transfer is settled). Events stored before partial settlements (none of the three) settled the
    transfer, whatever their amount."""

    amount_minor: int
    at: datetime
    reference: str | None = None
    confirms_minor: int | None = None
    covered: bool | None = None

    def apply(self, payment: PaymentState) -> None:
        payment.settlements[self.reference or "settlement"] = self.amount_minor
        payment.settled_minor += self.amount_minor
        payment.released_minor += self.confirms_minor or 0
        if payment.settled_at is None and self.covered is not False:
            payment.settled_at = self.at


class SettlementOverdueFlagged(Aggregate.Event):
    """The transfer did not arrive by `due_at`: flagged for the account manager (P2)."""

    due_at: datetime
    at: datetime

    def apply(self, payment: PaymentState) -> None:
        payment.overdue_flagged_at = self.at
