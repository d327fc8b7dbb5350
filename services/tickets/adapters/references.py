"""How a refund request and the refund that answers it find each other.

Payments' RefundIssued names the request it answers in `reference` (the request's `refund_id`), and
repeats the request's `reason` (P6), which ends with the tag `[ticket-refund:<refund_id>]`. The
reference is read first; the tag is the fallback for refunds published before RefundIssued had it.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\[ticket-refund:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]")


def tagged(reason: str, refund_id: str) -> str:
    return f"{reason} [ticket-refund:{refund_id}]"


def refund_id_in(reason: str, reference: str | None = None) -> str | None:
    """The refund id a refund answers: its `reference` if it has one, else the tag at the end of its reason."""
    if reference:
        return reference
    found = _TAG.search(reason)
    return found.group(1) if found else None
