"""The TicketRefund aggregate (T5, P6): a refund an after-sale ticket asked for, one per refund id. Its
id follows from the refund id, so a redelivery or a second request with the same id finds it answered
and changes nothing. It is answered once: granted (what went back to the original method, capped by
what was paid for that purpose and not yet refunded) or refused (nothing left to give back)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.payments.domain.errors import InvalidPayment, PaymentConflict
from services.payments.domain.money import check_currency
from services.payments.domain.values import PURPOSES, check_text

TICKET_REFUND_NAMESPACE = uuid.UUID("6a3f1c58-0e7b-4d92-a1c4-57b8e2d9f036")
ASKED_PURPOSES = ("goods", "shipping")
PAID_AS = {"goods": ("goods", "sample_fee"), "shipping": ("shipping",)}
"""Which payments a ticket's purpose refunds: the goods are paid as goods, or as a sample order's fee."""


def ticket_refund_id(refund_id: str) -> uuid.UUID:
    """The aggregate's id follows from the ticket's refund id (one answer each)."""
    return uuid.uuid5(TICKET_REFUND_NAMESPACE, refund_id)


class TicketRefund(Aggregate):
    """A ticket's refund request and payments' answer to it."""

    Received: ClassVar[type[Any]]
    Granted: ClassVar[type[Any]]
    Refused: ClassVar[type[Any]]

    @classmethod
    def receive(
        cls,
        refund_id: str,
        ticket_id: str,
        order_id: str,
        purpose: str,
        amount_minor: int,
        currency: str,
        reason: str,
        at: datetime,
    ) -> TicketRefund:
        """Record a ticket's request; raise InvalidPayment naming a malformed field (T5)."""
        check_text(refund_id, field="refund_id", rule="T5")
        check_text(order_id, field="order_id", rule="T5")
        check_text(reason, field="reason", rule="T5")
        if purpose not in ASKED_PURPOSES:
            raise InvalidPayment(
                f"a ticket refunds the goods or the shipping, not {purpose!r}", field="purpose", rule="T5"
            )
        check_currency(currency, rule="T5")
        return cls(refund_id, ticket_id, order_id, purpose, amount_minor, currency, reason, at)

    @event("Received")
    def __init__(
        self,
        refund_id: str,
        ticket_id: str,
        order_id: str,
        purpose: str,
        amount_minor: int,
        currency: str,
        reason: str,
        at: datetime,
    ) -> None:
        self.refund_id = refund_id
        self.ticket_id = ticket_id
        self.order_id = order_id
        self.purpose = purpose
        self.amount_minor = amount_minor
        self.currency = currency
        self.reason = reason
        self.received_at = at
        self.granted_minor: int | None = None
        self.refused: str | None = None

    @staticmethod
    def create_id(refund_id: str, **_: Any) -> uuid.UUID:
        return ticket_refund_id(refund_id)

    @property
    def key(self) -> str:
        """The idempotency key of the money movements that answer this request (provider, transfer, deposit)."""
        return f"ticket-refund:{self.refund_id}"

    @property
    def answered(self) -> bool:
        return self.granted_minor is not None or self.refused is not None

    def grant(self, paid_as: str, method: str, amount_minor: int, deferred: bool, at: datetime) -> None:
        """Record what goes back of the `paid_as` payment, by `method`; `deferred`: when the transfer settles (P2)."""
        self._check_unanswered()
        if paid_as not in PURPOSES or amount_minor <= 0 or amount_minor > self.amount_minor:
            raise InvalidPayment(
                f"a grant of {amount_minor} of the {paid_as} payment does not answer this request",
                field="amount",
                rule="P6",
            )
        self._grant(paid_as=paid_as, method=method, amount_minor=amount_minor, deferred=deferred, at=at)

    @event("Granted")
    def _grant(self, paid_as: str, method: str, amount_minor: int, deferred: bool, at: datetime) -> None:
        self.granted_minor = amount_minor

    def refuse(self, reason: str, at: datetime) -> None:
        """Record that nothing can be refunded (nothing paid for that purpose, or refunded in full) (P6)."""
        self._check_unanswered()
        check_text(reason, field="reason", rule="P6")
        self._refuse(reason=reason, at=at)

    @event("Refused")
    def _refuse(self, reason: str, at: datetime) -> None:
        self.refused = reason

    def _check_unanswered(self) -> None:
        if self.answered:
            raise PaymentConflict(f"ticket refund {self.refund_id} is already answered", field="refund_id", rule="P6")
