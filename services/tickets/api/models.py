"""Request and response models of the tickets API (XCreate / XPublic)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.tickets.application import PhotoUpload
from services.tickets.domain.ticket import Ticket
from services.tickets.domain.values import Kind, Outcome
from shared.events import Money

MAX_ENCODED_PHOTO = 64 * 1024 * 1024
"""A hard cap on one encoded photo; the real limit is the `photo_max_bytes` setting."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemCreate(_In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)


class PhotoCreate(_In):
    filename: str | None = Field(default=None, max_length=255, description="Informative only: never decides the type")
    content_base64: str = Field(
        min_length=1, max_length=MAX_ENCODED_PHOTO, description="The photo's bytes, base64; JPEG or PNG by content"
    )

    @field_validator("content_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None
        return value

    def upload(self) -> PhotoUpload:
        return PhotoUpload(base64.b64decode(self.content_base64), self.filename)


def _unique_skus(items: list[ItemCreate] | None) -> list[ItemCreate] | None:
    if items is not None and len({i.sku for i in items}) != len(items):
        raise ValueError("name each SKU once")
    return items


class _Photos(_In):
    photos: list[PhotoCreate] = Field(default_factory=list, max_length=50, description="Optional JPEG/PNG photos")

    def uploads(self) -> list[PhotoUpload]:
        return [p.upload() for p in self.photos]


class TicketCreate(_Photos):
    order_id: str = Field(min_length=1, max_length=64)
    kind: Kind
    message: str = Field(min_length=1, max_length=5000)
    items: list[ItemCreate] = Field(default_factory=list, max_length=500, description="The items the claim is about")

    check_items = field_validator("items")(_unique_skus)

    def item_quantities(self) -> dict[str, int]:
        return {i.sku: i.quantity for i in self.items}


class MessageCreate(_Photos):
    message: str = Field(min_length=1, max_length=5000)


class ResolutionCreate(_In):
    outcome: Outcome
    reason: str = Field(min_length=3, max_length=2000)
    items: list[ItemCreate] | None = Field(
        default=None, max_length=500, description="refund: the items refunded (default: the ticket's claimed items)"
    )

    check_items = field_validator("items")(_unique_skus)

    def item_quantities(self) -> dict[str, int] | None:
        return None if self.items is None else {i.sku: i.quantity for i in self.items}


class PhotoPublic(BaseModel):
    photo_id: uuid.UUID
    content_type: str
    size: int


class MessagePublic(BaseModel):
    number: int
    role: Literal["customer", "staff"]
    author: str
    text: str
    photos: list[PhotoPublic]
    at: datetime


class BreachPublic(BaseModel):
    message_number: int
    message_at: datetime
    due_at: datetime
    breached_at: datetime


class RefundPublic(BaseModel):
    refund_id: str
    purpose: Literal["goods", "shipping"]
    asked: Money = Field(description="What the items (or their shipping share) are worth")
    requested: Money = Field(description="What was asked of payments: `asked` capped by what was left")
    issued: Money = Field(description="What payments reported refunded so far")
    status: Literal["requested", "partially_issued", "issued", "refused"]
    issued_at: datetime | None
    refused_reason: str | None = Field(default=None, description="Why payments refunded nothing (P6)")
    reason: str


class ResolutionPublic(BaseModel):
    outcome: Outcome
    reason: str
    resolved_by: str
    resolved_at: datetime


class TicketPublic(BaseModel):
    ticket_id: uuid.UUID
    order_id: str
    customer_id: str
    kind: Kind
    status: Literal["awaiting_staff", "awaiting_customer", "resolved", "auto_closed"]
    items: list[ItemCreate]
    opened_at: datetime
    reply_due_at: datetime | None = Field(description="T3: staff reply deadline (working hours), while it runs")
    auto_close_at: datetime | None = Field(description="T4: when the ticket closes itself unless the customer answers")
    breaches: list[BreachPublic]
    messages: list[MessagePublic]
    resolution: ResolutionPublic | None
    refunds: list[RefundPublic]
    closed_at: datetime | None

    @classmethod
    def of(cls, t: Ticket) -> TicketPublic:
        r = t.resolution
        return cls(
            ticket_id=t.id,
            order_id=t.order_id,
            customer_id=t.customer_id,
            kind=t.kind,  # type: ignore[arg-type]
            status=t.status,  # type: ignore[arg-type]
            items=[ItemCreate(sku=s, quantity=q) for s, q in t.items.items()],
            opened_at=t.opened_at,
            reply_due_at=t.reply_due_at,
            auto_close_at=t.auto_close_at,
            breaches=[
                BreachPublic(
                    message_number=b["message"], message_at=b["message_at"], due_at=b["due_at"], breached_at=b["at"]
                )
                for b in t.breaches
            ],
            messages=[MessagePublic(**{k: v for k, v in m.items() if k != "key"}) for m in t.messages],
            resolution=ResolutionPublic(
                outcome=r["outcome"], reason=r["reason"], resolved_by=r["actor"], resolved_at=r["at"]
            )
            if r
            else None,
            refunds=[_refund(x) for x in t.refunds.values()],
            closed_at=t.closed_at,
        )


def _refund(x: dict[str, Any]) -> RefundPublic:
    def money(minor: int) -> Money:
        return Money(amount_minor=minor, currency=x["currency"])

    issued, requested = x["issued_minor"], x["requested_minor"]
    refused = x.get("refused_reason")
    status = (
        "issued" if issued >= requested else "partially_issued" if issued else "refused" if refused else "requested"
    )
    return RefundPublic(
        refund_id=x["refund_id"],
        purpose=x["purpose"],
        asked=money(x["asked_minor"]),
        requested=money(requested),
        issued=money(issued),
        status=status,  # type: ignore[arg-type]
        issued_at=x["issued_at"],
        reason=x["reason"],
        refused_reason=refused,
    )


class BreachListed(BreachPublic):
    ticket_id: uuid.UUID
    order_id: str
    customer_id: str
    status: str
