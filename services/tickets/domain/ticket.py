"""The Ticket aggregate: an after-sale dispute about one order, its messages, its reply deadline
(T3), its automatic closing (T4) and its outcome (T5). Deadlines are decided by the application
(calendar, settings) and recorded in the events, so a replay never recomputes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.tickets.domain import values as v
from services.tickets.domain.errors import InvalidClaim, TransitionRefused


class Ticket(Aggregate):
    Opened: ClassVar[type[Any]]
    CustomerWrote: ClassVar[type[Any]]
    StaffReplied: ClassVar[type[Any]]
    SlaBreached: ClassVar[type[Any]]
    AutoClosed: ClassVar[type[Any]]
    Resolved: ClassVar[type[Any]]
    RefundRequested: ClassVar[type[Any]]
    RefundIssued: ClassVar[type[Any]]

    @event("Opened")
    def __init__(
        self,
        ticket_id: str,
        order_id: str,
        customer_id: str,
        kind: str,
        items: dict[str, int],
        text: str,
        photos: list[dict[str, Any]],
        key: str | None,
        reply_due_at: datetime,
        at: datetime,
    ) -> None:
        self.ticket_id = ticket_id
        self.order_id = order_id
        self.customer_id = customer_id
        self.kind = kind
        self.items = dict(items)
        self.opened_at = at
        self.messages: list[dict[str, Any]] = []
        self.breaches: list[dict[str, Any]] = []
        self.resolution: dict[str, Any] | None = None
        self.refunds: dict[str, dict[str, Any]] = {}
        self.closed_at: datetime | None = None
        self._customer_message(customer_id, text, photos, key, reply_due_at, at)

    @staticmethod
    def create_id(ticket_id: str, **_: Any) -> uuid.UUID:
        """The id is chosen by the caller (an idempotency key makes a retried opening the same ticket)."""
        return uuid.UUID(ticket_id)

    # --- state ----------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in v.OPEN

    def message_with_key(self, key: str | None) -> dict[str, Any] | None:
        """The message a retried request (same idempotency key) already added, if any."""
        return next((m for m in self.messages if key and m["key"] == key), None)

    def photo_ids(self) -> set[str]:
        return {p["photo_id"] for m in self.messages for p in m["photos"]}

    @property
    def reply_due_at(self) -> datetime | None:
        """T3: when staff must have replied by, while a customer message waits for a reply."""
        return self.reply_due["due_at"] if self.reply_due else None

    @property
    def auto_close_at(self) -> datetime | None:
        """T4: when the ticket closes itself, while a staff reply waits for the customer."""
        return self.close_due["due_at"] if self.close_due else None

    @property
    def next_number(self) -> int:
        return len(self.messages) + 1

    def check_open(self, action: str) -> None:
        if not self.is_open:
            rule = "T4" if self.status == v.AUTO_CLOSED else "T5"
            raise TransitionRefused(f"cannot {action} a ticket that is {self.status}", field="status", rule=rule)

    def _customer_message(
        self, author: str, text: str, photos: list[dict[str, Any]], key: str | None, due: datetime, at: datetime
    ) -> None:
        number = self.next_number
        self.messages.append(_message(number, "customer", author, text, photos, key, at))
        self.status = v.AWAITING_STAFF
        self.reply_due: dict[str, Any] | None = {"message": number, "message_at": at, "due_at": due}
        self.close_due: dict[str, Any] | None = None

    # --- messages (T3, T4) ----------------------------------------------------------------------
    def write(
        self, text: str, photos: list[dict[str, Any]], key: str | None, reply_due_at: datetime, at: datetime
    ) -> None:
        """The customer writes: the reply deadline starts again from this message; any closing is off."""
        self.check_open("write on")
        self._write(text=text, photos=photos, key=key, reply_due_at=reply_due_at, at=at)

    @event("CustomerWrote")
    def _write(
        self, text: str, photos: list[dict[str, Any]], key: str | None, reply_due_at: datetime, at: datetime
    ) -> None:
        self._customer_message(self.customer_id, text, photos, key, reply_due_at, at)

    def reply(
        self,
        author: str,
        text: str,
        photos: list[dict[str, Any]],
        key: str | None,
        close_due_at: datetime,
        at: datetime,
    ) -> None:
        """Staff reply: the reply deadline is met; the ticket closes itself at `close_due_at` unless the
        customer answers first."""
        self.check_open("reply on")
        self._reply(author=author, text=text, photos=photos, key=key, close_due_at=close_due_at, at=at)

    @event("StaffReplied")
    def _reply(
        self,
        author: str,
        text: str,
        photos: list[dict[str, Any]],
        key: str | None,
        close_due_at: datetime,
        at: datetime,
    ) -> None:
        number = self.next_number
        self.messages.append(_message(number, "staff", author, text, photos, key, at))
        self.status = v.AWAITING_CUSTOMER
        self.reply_due = None
        self.close_due = {"message": number, "due_at": close_due_at}

    def breach_sla(self, message_number: int, at: datetime) -> bool:
        """T3: the reply deadline of customer message `message_number` passed with no staff reply.
        False (nothing recorded) when that deadline is no longer the running one (a stale timer)."""
        due = self.reply_due
        if self.status != v.AWAITING_STAFF or due is None or due["message"] != message_number:
            return False
        if any(b["message"] == message_number for b in self.breaches):
            return False
        self._breach(message_number=message_number, message_at=due["message_at"], due_at=due["due_at"], at=at)
        return True

    @event("SlaBreached")
    def _breach(self, message_number: int, message_at: datetime, due_at: datetime, at: datetime) -> None:
        self.breaches.append({"message": message_number, "message_at": message_at, "due_at": due_at, "at": at})

    def auto_close(self, message_number: int, at: datetime) -> bool:
        """T4: the customer did not answer staff reply `message_number` in time. False when the customer
        answered, another reply started a new period, or the ticket is closed (a stale timer)."""
        due = self.close_due
        if self.status != v.AWAITING_CUSTOMER or due is None or due["message"] != message_number:
            return False
        self._auto_close(message_number=message_number, due_at=due["due_at"], at=at)
        return True

    @event("AutoClosed")
    def _auto_close(self, message_number: int, due_at: datetime, at: datetime) -> None:
        self.status = v.AUTO_CLOSED
        self.closed_at = at
        self.close_due = None

    # --- outcome (T5) ---------------------------------------------------------------------------
    def check_may_resolve(self, outcome: str) -> None:
        self.check_open("resolve")
        if outcome not in v.OUTCOMES:
            raise InvalidClaim(f"outcome must be one of {', '.join(v.OUTCOMES)}", field="outcome", rule="X3")
        if outcome == "refund" and self.kind not in v.REFUND_KINDS:
            raise InvalidClaim(
                f"a {self.kind} ticket is not refunded (refunds are for {', '.join(sorted(v.REFUND_KINDS))})",
                field="outcome",
                rule="T5",
            )

    def resolve(self, outcome: str, reason: str, actor: str, at: datetime) -> None:
        self.check_may_resolve(outcome)
        self._resolve(outcome=outcome, reason=reason, actor=actor, at=at)

    @event("Resolved")
    def _resolve(self, outcome: str, reason: str, actor: str, at: datetime) -> None:
        self.status = v.RESOLVED
        self.resolution = {"outcome": outcome, "reason": reason, "actor": actor, "at": at}
        self.closed_at = at
        self.reply_due = None
        self.close_due = None

    @event("RefundRequested")
    def request_refund(
        self,
        refund_id: str,
        purpose: str,
        amount_minor: int,
        asked_minor: int,
        currency: str,
        items: dict[str, int],
        reason: str,
        at: datetime,
    ) -> None:
        self.refunds[refund_id] = {
            "refund_id": refund_id,
            "purpose": purpose,
            "requested_minor": amount_minor,
            "asked_minor": asked_minor,
            "currency": currency,
            "items": dict(items),
            "reason": reason,
            "issued_minor": 0,
            "issued_at": None,
        }

    def record_refund_issued(self, refund_id: str, amount_minor: int, issued_at: datetime) -> bool:
        """Payments refunded (part of) a request of this ticket; False for a request it does not know."""
        if refund_id not in self.refunds:
            return False
        self._refund_issued(refund_id=refund_id, amount_minor=amount_minor, issued_at=issued_at)
        return True

    @event("RefundIssued")
    def _refund_issued(self, refund_id: str, amount_minor: int, issued_at: datetime) -> None:
        refund = self.refunds[refund_id]
        refund["issued_minor"] += amount_minor
        refund["issued_at"] = issued_at

    def record_refund_refused(self, refund_id: str, reason: str, at: datetime) -> bool:
        """Payments refused a request of this ticket (nothing left to refund); False if unknown or known."""
        if refund_id not in self.refunds or self.refunds[refund_id].get("refused_reason"):
            return False
        self._refund_refused(refund_id=refund_id, reason=reason, at=at)
        return True

    @event("RefundRefused")
    def _refund_refused(self, refund_id: str, reason: str, at: datetime) -> None:
        self.refunds[refund_id]["refused_reason"] = reason


def _message(
    number: int, role: str, author: str, text: str, photos: list[dict[str, Any]], key: str | None, at: datetime
) -> dict[str, Any]:
    return {
        "number": number,
        "role": role,
        "author": author,
        "text": text,
        "photos": list(photos),
        "key": key,
        "at": at,
    }
