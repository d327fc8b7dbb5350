"""How a refund request and the refund that answers it find each other.

Payments' RefundIssued has no field for the requester's reference, but it repeats the request's
`reason` (P6). The reason of a TicketRefundRequested therefore ends with the tag
`[ticket-refund:<refund_id>]`, and a RefundIssued whose reason carries the tag answers that request.
Once RefundIssued gets a reference field, `refund_id_in` reads that instead (nothing else changes).
"""

from __future__ import annotations

import re

_TAG = re.compile(r"\[ticket-refund:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]")


def tagged(reason: str, refund_id: str) -> str:
    return f"{reason} [ticket-refund:{refund_id}]"


def refund_id_in(reason: str) -> str | None:
    found = _TAG.search(reason)
    return found.group(1) if found else None
