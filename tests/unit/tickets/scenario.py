"""A scenario driver for the tickets service on in-memory storage: a step clock at exact instants,
the other services' events fed through the tracked consumer, photos in a dictionary, and the due
timers fired the way the worker's timer loop fires them."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from eventsourcing.utils import get_topic
from pydantic import BaseModel

from services.tickets.adapters.outbound import translate
from services.tickets.adapters.photos import InMemoryPhotoStore
from services.tickets.application import PhotoUpload, TicketsApplication
from services.tickets.bootstrap import bootstrap
from services.tickets.domain.ticket import Ticket
from services.tickets.settings import TicketsSettings
from shared.events import inventory as inv
from shared.events import orders as ords
from shared.events import payments as pay
from shared.events import shipping as ship
from shared.runtime.service import Runtime
from shared.runtime.settings import PlatformSettings
from shared.runtime.timers import Timer
from tests.unit.messages import StepClock, incoming, usd

MONDAY = datetime(2026, 3, 9, 9, 0, 0, tzinfo=UTC)
FRIDAY_AFTERNOON = datetime(2026, 3, 13, 15, 0, 0, tzinfo=UTC)
RING, PENDANT, CLASP = "RING-STEEL-PEARL", "NECK-ZIRC-PEND", "CLASP-UNWEIGHED"
LINES = ((RING, 12, 450), (PENDANT, 6, 780))
"""144 g of goods: 12 rings of 6 g and 6 pendants of 12 g."""


def png(width: int = 1, height: int = 1) -> bytes:
    """A real (small, greyscale) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = (b"\x00" + bytes((x * 7 + y * 13) % 256 for x in range(width)) for y in range(height))
    pixels = zlib.compress(b"".join(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    """The start and end of a JFIF file (what a type sniffer reads)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


class Scenario:
    def __init__(self, start: datetime = MONDAY, holidays: str = "", timezone: str = "UTC", **settings: Any) -> None:
        self.clock = StepClock(start)
        self.photos = InMemoryPhotoStore()
        platform = PlatformSettings(shop_holidays=holidays, shop_timezone=timezone)
        self.runtime: Runtime[TicketsApplication] = bootstrap(
            TicketsSettings(platform=platform, **settings),
            persistence="memory",
            clock=self.clock,
            ports={"photos": self.photos},
        )
        self.app = self.runtime.app
        self.ids = count(1)
        self.feed(
            "SkuCatalogued", inv.SkuCatalogued(sku=RING, name="Ring", unit_price=usd(450), moq=12, weight_grams=6)
        )
        self.feed(
            "SkuCatalogued", inv.SkuCatalogued(sku=PENDANT, name="Pendant", unit_price=usd(780), moq=6, weight_grams=12)
        )

    def at(self, instant: datetime) -> datetime:
        self.clock.at = instant
        return instant

    # --- the other services, as events ---------------------------------------------------------------
    def feed(self, event_type: str, payload: BaseModel) -> None:
        message = incoming(event_type, payload, next(self.ids), self.clock.now())
        result = self.runtime.consumer.apply_batch([message])
        assert not result.dead, result.dead

    def place(
        self, customer: str = "cust-1", lines: tuple[tuple[str, int, int], ...] = LINES, shipping: int | None = 1200
    ) -> str:
        """An order placed (and quoted for shipping) now."""
        order_id = str(uuid.uuid4())
        order_lines = [ords.OrderLine(sku=s, quantity=q, unit_price=usd(p)) for s, q, p in lines]
        total = usd(sum(q * p for _, q, p in lines))
        placed = ords.OrderPlaced(
            order_id=order_id, customer_id=customer, lines=order_lines, total=total, placed_at=self.clock.now()
        )
        self.feed("OrderPlaced", placed)
        if shipping is not None:
            quote = ship.ShippingQuoted(
                order_id=order_id,
                carrier="DHL",
                country="ES",
                weight_grams=150,
                cost=usd(shipping),
                tariff_version="DHL-2026-01",
                quoted_at=self.clock.now(),
            )
            self.feed("ShippingQuoted", quote)
        return order_id

    def deliver(self, order_id: str, signed_at: datetime | None = None) -> None:
        at = signed_at or self.clock.now()
        self.feed("ParcelDelivered", ship.ParcelDelivered(order_id=order_id, signed_by="A. Ruiz", delivered_at=at))

    def confirm_receipt(self, order_id: str, customer: str = "cust-1", at: datetime | None = None) -> None:
        confirmed = ship.ReceiptConfirmed(order_id=order_id, customer_id=customer, confirmed_at=at or self.clock.now())
        self.feed("ReceiptConfirmed", confirmed)

    def received(self, customer: str = "cust-1", **place: Any) -> str:
        """An order placed, delivered (signed for now) and its receipt confirmed now."""
        order_id = self.place(customer, **place)
        self.deliver(order_id)
        self.confirm_receipt(order_id, customer)
        return order_id

    def refund_issued(self, order_id: str, amount: int, reason: str) -> None:
        issued = pay.RefundIssued(
            order_id=order_id, amount=usd(amount), reason=reason, issued_at=self.clock.now(), method="card"
        )
        self.feed("RefundIssued", issued)

    # --- the tickets use cases ---------------------------------------------------------------------
    def open(
        self,
        order_id: str,
        kind: str = "damaged",
        customer: str = "cust-1",
        items: dict[str, int] | None = None,
        photos: list[bytes] | None = None,
        key: str | None = None,
    ) -> Ticket:
        uploads = [PhotoUpload(p, "photo.jpg") for p in photos or []]
        ticket_id = self.app.open_ticket(customer, order_id, kind, "it arrived like this", items, uploads, key)
        return self.app.get_ticket(ticket_id)

    def ticket(self, ticket_id: uuid.UUID) -> Ticket:
        return self.app.get_ticket(ticket_id)

    # --- what happened ------------------------------------------------------------------------------
    def fire_due(self) -> int:
        """Fire every pending timer due by now, as the worker's timer loop does."""
        assert self.app.timers is not None
        fired = 0
        scheduled = self.app.recorder.select_notifications(start=1, limit=100_000, topics=[get_topic(Timer.Scheduled)])
        for notification in scheduled:
            timer: Timer = self.app.repository.get(uuid.UUID(str(notification.originator_id)))
            if timer.fired_at is None and not timer.cancelled and timer.due_at <= self.clock.now():
                fired += self.app.timers.fire(timer.id)
        return fired

    def published(self, ticket_id: uuid.UUID | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Integration events as the relay would publish them (about one ticket, if given)."""
        found = []
        for n in self.app.recorder.select_notifications(start=1, limit=100_000):
            domain_event = self.app.mapper.to_domain_event(n)
            out = translate(domain_event)
            if out and (ticket_id is None or domain_event.originator_id == ticket_id):
                found.append((out[0], out[1].model_dump(mode="json")))
        return found

    def types(self, ticket_id: uuid.UUID) -> list[str]:
        return [e["type"].removeprefix("Ticket.") for e in self.app.history(ticket_id)]


def days(n: float) -> timedelta:
    return timedelta(days=n)


SECOND = timedelta(seconds=1)
