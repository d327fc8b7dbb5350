"""The words of the tickets domain: kinds, outcomes, statuses, who wrote a message."""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["shortage", "damaged", "defective", "incorrect_item", "other"]
KINDS: tuple[str, ...] = get_args(Kind)
WINDOW_KINDS = frozenset({"damaged", "defective", "incorrect_item"})
"""T2: claimed only within the claim window after the parcel was signed for."""
REFUND_KINDS = frozenset({"shortage", "damaged", "defective", "incorrect_item"})
"""T5: outcomes that may be a refund (shortage with its share of shipping)."""

Outcome = Literal["refund", "replacement_sent", "no_action"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)

Purpose = Literal["goods", "shipping"]

AWAITING_STAFF = "awaiting_staff"
AWAITING_CUSTOMER = "awaiting_customer"
RESOLVED = "resolved"
AUTO_CLOSED = "auto_closed"
OPEN = frozenset({AWAITING_STAFF, AWAITING_CUSTOMER})

Author = Literal["customer", "staff"]
