"""A deposit's statement (P3): every credit, debit, refund and refused debit, with the balance after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.payments.domain.deposit import DepositAccount

MovementKind = Literal["Credited", "Debited", "Refunded", "DebitRefused"]


@dataclass(frozen=True)
class Movement:
    """One line of the statement; a refused debit moves no money but shows why an order waits."""

    kind: MovementKind
    amount_minor: int
    balance_after_minor: int
    at: datetime
    order_id: str | None = None
    purpose: str | None = None
    reference: str | None = None
    reason: str | None = None


def statement(history: Iterable[object]) -> list[Movement]:
    """The movements of a deposit account, oldest first, from its recorded events."""
    balance, movements = 0, []
    for e in history:
        if isinstance(e, DepositAccount.Credited):
            balance += e.amount_minor
            movements.append(Movement("Credited", e.amount_minor, balance, e.at, reference=e.reference))
        elif isinstance(e, DepositAccount.Debited):
            balance -= e.amount_minor
            movements.append(Movement("Debited", e.amount_minor, balance, e.at, e.order_id, e.purpose))
        elif isinstance(e, DepositAccount.Refunded):
            balance += e.amount_minor
            movements.append(
                Movement("Refunded", e.amount_minor, balance, e.at, e.order_id, e.purpose, e.reference, e.reason)
            )
        elif isinstance(e, DepositAccount.DebitRefused):
            movements.append(
                Movement("DebitRefused", e.amount_minor, balance, e.at, e.order_id, e.purpose, reason=e.reason)
            )
    return movements
