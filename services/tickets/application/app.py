"""The tickets application: one method per use case (commands decide in the domain and save their
events and timers together), the queries, and what the policies need to load (TicketsPort)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType, get_topic

from services.tickets.adapters.privacy import PERSONAL_DATA
from services.tickets.application import deadlines
from services.tickets.application.uploads import PhotoUpload, checked
from services.tickets.domain.catalogue import SkuWeight, sku_weight_id
from services.tickets.domain.customers import CustomerTickets, customer_tickets_id
from services.tickets.domain.errors import InvalidClaim, NotEligible, NotYours, TicketNotFound
from services.tickets.domain.order import OrderRecord, order_record_id
from services.tickets.domain.photos import Photo, PhotoStore
from services.tickets.domain.resolution import resolve_with_refund
from services.tickets.domain.ticket import Ticket
from services.tickets.domain.values import KINDS, OPEN
from services.tickets.settings import TicketsSettings
from shared.runtime.clock import Clock
from shared.runtime.store import HallmarkApplication

PE = ProcessingEvent[uuid.UUID]
TICKET_NAMESPACE = uuid.UUID("2c4e6a8b-0d2f-4b6d-8f1a-3c5e7a9b1d3f")


class TicketsApplication(HallmarkApplication):
    service = "tickets"
    personal_data = PERSONAL_DATA  # X4: message texts sealed per customer (adapters/privacy.py)

    def __init__(
        self, settings: TicketsSettings, env: EnvType | None = None, clock: Clock | None = None, *, photos: PhotoStore
    ) -> None:
        super().__init__(settings, env, clock)
        self.photos = photos
        self.calendar = settings.platform.business_calendar()
        self.reply_sla_hours = settings.reply_sla_working_hours
        self.auto_close_after = timedelta(days=settings.auto_close_days)
        self.claim_window = timedelta(days=settings.claim_window_days)
        self.photo_max_bytes = settings.photo_max_bytes
        self.photos_per_message = settings.photos_per_message
        self.conflict_retries = settings.conflict_retries

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        if isinstance(aggregate, Ticket):
            return {"order_id": aggregate.order_id, "customer_id": aggregate.customer_id, "kind": aggregate.kind}
        return None

    # --- customers ------------------------------------------------------------------------------
    def open_ticket(
        self,
        customer_id: str,
        order_id: str,
        kind: str,
        text: str,
        items: dict[str, int] | None = None,
        photos: list[PhotoUpload] | None = None,
        idempotency_key: str | None = None,
    ) -> uuid.UUID:
        """Open a ticket on an order whose receipt was confirmed (T1), within the claim window for
        damaged, defective or incorrect items (T2); the reply deadline starts (T3)."""
        if kind not in KINDS:
            raise InvalidClaim(f"kind must be one of {', '.join(KINDS)}", field="kind", rule="X3")
        ticket_id = self._ticket_id(customer_id, idempotency_key)

        def decide() -> PE | None:
            if ticket_id in self.repository:
                return None  # a retry with the same key: the ticket it opened
            now = self.clock.now()
            record = self._order_record(order_id)
            record.check_may_open(customer_id, kind, now, self.claim_window)
            record.check_items(items or {})
            stored = self._store(ticket_id, photos or [])
            due = self.reply_due(now)
            ticket = Ticket(
                ticket_id=str(ticket_id),
                order_id=order_id,
                customer_id=customer_id,
                kind=kind,
                items=items or {},
                text=text,
                photos=stored,
                key=idempotency_key,
                reply_due_at=due,
                at=now,
            )
            index = self._customer_index(customer_id)
            index.add(ticket_id=str(ticket_id))
            return self._with_timer(deadlines.REPLY_SLA, ticket, 1, due, index)

        self._commit(decide)
        return ticket_id

    def write(
        self,
        ticket_id: uuid.UUID,
        customer_id: str,
        text: str,
        photos: list[PhotoUpload] | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """The customer writes: the reply deadline starts again from this message (T3) and a pending
        automatic closing is off (T4)."""

        def decide() -> PE | None:
            ticket = self.get_ticket(ticket_id)
            if ticket.customer_id != customer_id:
                raise NotYours("this ticket belongs to another customer", field="ticket_id", rule="X2")
            if ticket.message_with_key(idempotency_key):
                return None
            ticket.check_open("write on")
            now = self.clock.now()
            due = self.reply_due(now)
            number = ticket.next_number
            ticket.write(text, self._store(ticket.id, photos or []), idempotency_key, due, now)
            return self._with_timer(deadlines.REPLY_SLA, ticket, number, due)

        self._commit(decide)
        return self.get_ticket(ticket_id)

    # --- staff ------------------------------------------------------------------------------------
    def reply(
        self,
        ticket_id: uuid.UUID,
        actor: str,
        text: str,
        photos: list[PhotoUpload] | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """Staff reply: the reply deadline is met (T3); the ticket closes itself if the customer does not
        answer within the closing period (T4)."""

        def decide() -> PE | None:
            ticket = self.get_ticket(ticket_id)
            if ticket.message_with_key(idempotency_key):
                return None
            ticket.check_open("reply on")
            now = self.clock.now()
            due = now + self.auto_close_after
            number = ticket.next_number
            ticket.reply(actor, text, self._store(ticket.id, photos or []), idempotency_key, due, now)
            return self._with_timer(deadlines.AUTO_CLOSE, ticket, number, due)

        self._commit(decide)
        return self.get_ticket(ticket_id)

    def resolve(
        self, ticket_id: uuid.UUID, actor: str, outcome: str, reason: str, items: dict[str, int] | None = None
    ) -> Ticket:
        """Close the ticket with an outcome (T5). A refund asks payments to refund the items' value (and
        for a shortage their share of shipping), capped by what the order has left to refund (P6)."""

        def decide() -> PE | None:
            ticket = self.get_ticket(ticket_id)
            now = self.clock.now()
            pe = PE()
            if outcome == "refund":
                record = self._order_record(ticket.order_id)
                weights = self._weights(list(record.lines))
                resolve_with_refund(ticket, record, items, weights, actor, reason, now)
                pe.collect_events(record)
            else:
                ticket.resolve(outcome, reason, actor, now)
            pe.collect_events(ticket)
            return pe

        self._commit(decide)
        return self.get_ticket(ticket_id)

    # --- queries ----------------------------------------------------------------------------------
    def get_ticket(self, ticket_id: uuid.UUID) -> Ticket:
        try:
            ticket: Ticket = self.repository.get(ticket_id)
        except AggregateNotFoundError:
            raise TicketNotFound(f"no ticket {ticket_id}", field="ticket_id", rule="X2") from None
        if not isinstance(ticket, Ticket):
            raise TicketNotFound(f"no ticket {ticket_id}", field="ticket_id", rule="X2")
        return ticket

    def ticket_as_of(self, ticket_id: uuid.UUID, at: datetime) -> Ticket:
        """The ticket replayed up to `at` (auditors)."""
        self.get_ticket(ticket_id)
        ticket: Ticket | None = self.replay_as_of(ticket_id, at)  # type: ignore[assignment]
        if ticket is None:
            raise TicketNotFound(f"no ticket {ticket_id} as of {at.isoformat()}", field="as_of", rule="X2")
        return ticket

    def tickets_of(self, customer_ids: list[str]) -> list[Ticket]:
        """The customers' tickets, newest first."""
        ids: list[str] = []
        for customer_id in customer_ids:
            index: CustomerTickets | None = self._load(customer_tickets_id(customer_id))
            ids += index.tickets if index else []
        return sorted((self.get_ticket(uuid.UUID(i)) for i in ids), key=lambda t: t.opened_at, reverse=True)

    def delete_photos_of(self, customer_id: str) -> int:
        """X4: the customer is forgotten: their tickets' photos go (the messages keep the photo ids)."""
        tickets = [t.id for t in self.tickets_of([customer_id])]
        return self.photos.delete(tickets) if tickets else 0

    def all_tickets(self) -> list[Ticket]:
        return [self.get_ticket(i) for i in self._originators(Ticket.Opened)]

    def queue(self, customer_ids: list[str] | None = None, breached_only: bool = False) -> list[Ticket]:
        """Open tickets (of these customers, or all), the nearest reply deadline first (T3); those
        waiting on the customer last. `breached_only`: those that missed a reply deadline."""
        tickets = self.all_tickets() if customer_ids is None else self.tickets_of(customer_ids)
        waiting = [t for t in tickets if t.status in OPEN and (t.breaches or not breached_only)]
        return sorted(waiting, key=lambda t: (t.reply_due_at is None, t.reply_due_at or t.opened_at))

    def sla_breaches(self) -> list[dict[str, Any]]:
        """T3: every reply deadline missed, in the order they were recorded."""
        found = []
        for ticket_id in dict.fromkeys(self._originators(Ticket.SlaBreached)):
            ticket = self.get_ticket(ticket_id)
            found += [{"ticket": ticket, **breach} for breach in ticket.breaches]
        return sorted(found, key=lambda b: b["at"])

    def photo(self, ticket: Ticket, photo_id: uuid.UUID) -> Photo:
        found = self.photos.get(photo_id) if str(photo_id) in ticket.photo_ids() else None
        if found is None:
            raise TicketNotFound(f"ticket {ticket.id} has no photo {photo_id}", field="photo_id", rule="X2")
        return found

    def reply_due(self, at: datetime) -> datetime:
        """T3: the instant `reply_sla_hours` working hours after `at` in the shop's calendar."""
        return self.calendar.add_working_hours(at, self.reply_sla_hours)

    # --- for the policies (TicketsPort) -------------------------------------------------------------
    def order_record(self, order_id: str, pe: PE) -> OrderRecord:
        """The record of an order (a new one when this is the first fact about it)."""
        return self.known_order_record(order_id, pe) or OrderRecord(order_id=order_id)

    def known_order_record(self, order_id: str, pe: PE | None = None) -> OrderRecord | None:
        return self._load(order_record_id(order_id), pe)

    def known_ticket(self, ticket_id: uuid.UUID, pe: PE | None = None) -> Ticket | None:
        return self._load(ticket_id, pe)

    def sku_weight(self, sku: str, pe: PE | None = None) -> SkuWeight | None:
        return self._load(sku_weight_id(sku), pe)

    # --- helpers ----------------------------------------------------------------------------------
    def _load(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Any:
        try:
            return self.load(aggregate_id, pe)
        except AggregateNotFoundError:
            return None

    def _order_record(self, order_id: str) -> OrderRecord:
        record = self._load(order_record_id(order_id))
        if record is None:
            raise NotEligible(
                f"order {order_id}: a ticket can be opened only after receipt was confirmed",
                field="order_id",
                rule="T1",
            )
        assert isinstance(record, OrderRecord)
        return record

    def _customer_index(self, customer_id: str) -> CustomerTickets:
        index: CustomerTickets | None = self._load(customer_tickets_id(customer_id))
        return index or CustomerTickets(customer_id=customer_id)

    def _weights(self, skus: list[str]) -> dict[str, int | None]:
        weights = {sku: self._load(sku_weight_id(sku)) for sku in skus}
        return {sku: w.weight_grams if w is not None else None for sku, w in weights.items()}

    def _store(self, ticket_id: uuid.UUID, uploads: list[PhotoUpload]) -> list[dict[str, Any]]:
        """Check every photo first, then keep them (before the events that name them)."""
        photos = checked(ticket_id, uploads, self.photo_max_bytes, self.photos_per_message)
        for photo in photos:
            self.photos.put(photo)
        return [photo.describe() for photo in photos]

    def _with_timer(self, kind: str, ticket: Ticket, number: int, due: datetime, *others: Any) -> PE:
        pe = PE()
        pe.collect_events(ticket, *others)
        assert self.timers is not None, "the runtime sets the timers"
        self.timers.schedule(pe, kind, deadlines.target(ticket.id, number), due)
        return pe

    def _commit(self, decide: Callable[[], PE | None]) -> None:
        """Decide and record; a concurrent write to the same aggregates means deciding again."""
        for attempt in range(self.conflict_retries):
            pe = decide()
            if pe is None:
                return
            try:
                self.record(pe)
                return
            except IntegrityError:
                if attempt == self.conflict_retries - 1:
                    raise
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))

    def _originators(self, event_class: type[Any], page: int = 1000) -> list[uuid.UUID]:
        topic, start, found = get_topic(event_class), 1, list[uuid.UUID]()
        while True:
            notifications = self.recorder.select_notifications(start=start, limit=page, topics=[topic])
            found += [uuid.UUID(str(n.originator_id)) for n in notifications]
            if len(notifications) < page:
                return found
            start = notifications[-1].id + 1

    @staticmethod
    def _ticket_id(customer_id: str, idempotency_key: str | None) -> uuid.UUID:
        if idempotency_key:
            return uuid.uuid5(TICKET_NAMESPACE, f"{customer_id}:{idempotency_key}")
        return uuid.uuid4()
