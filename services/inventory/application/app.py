"""The inventory application: one method per use case (catalogue and stock, holds, picking) and the
queries. Every write decides on the current state and is decided again when another writer (a second
replica, the timer loop) saved the same SKU first (I2)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import JSONTranscoder, Tracking
from eventsourcing.utils import EnvType, get_topic

from services.inventory.adapters import transcodings
from services.inventory.application import conflicts
from services.inventory.application.policies import HOLD_EXPIRY, PICKING_SLA, cancel_timer, hold_target
from services.inventory.application.views import Adjustment, HoldView, OrderCut, SlaBreach
from services.inventory.domain import errors, picking
from services.inventory.domain.holds import CustomerHolds, customer_holds_id
from services.inventory.domain.reservation import Reservation, reservation_id
from services.inventory.domain.sku import Sku, sku_id
from services.inventory.domain.values import StockCorrection, check_price
from services.inventory.settings import InventorySettings
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import Attempt, HallmarkApplication, StillConflicting
from shared.runtime.timers import Timer

log = logging.getLogger("hallmark.inventory")
T = TypeVar("T")
PE = ProcessingEvent[uuid.UUID]


class InventoryApplication(HallmarkApplication):
    service = "inventory"
    settings: InventorySettings
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Sku: 50}

    def __init__(self, settings: InventorySettings, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(settings, env, clock)
        self.hold_ttl = timedelta(seconds=settings.hold_ttl_seconds)
        self.picking_sla = timedelta(hours=settings.picking_sla_hours)
        self.conflict_retries = settings.conflict_retries
        self.max_unit_price_minor = settings.max_unit_price_minor
        self.sku_locks = conflicts.SkuLocks()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # --- catalogue and stock (ops) ----------------------------------------------------------------
    def catalogue(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> bool:
        """Add a SKU unless it is there already (the demo seed); True if it was added."""
        try:
            self.add_sku(code, name, unit_price_minor, currency, moq, weight_grams, on_hand)
        except errors.SkuAlreadyCatalogued:
            return False
        return True

    def add_sku(
        self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int, on_hand: int
    ) -> Sku:
        """Put a new SKU in the catalogue with its stock on hand, at a price within the bounds (X3)."""
        check_price(code, unit_price_minor, self.max_unit_price_minor)

        def attempt() -> tuple[Sku, list[Any]]:
            if sku_id(code) in self.repository:
                raise errors.SkuAlreadyCatalogued(f"{code} is in the catalogue already", field="sku", rule="I1")
            sku = Sku(code, name, unit_price_minor, currency, moq, weight_grams, on_hand)
            return sku, [sku]

        return self.write([code], attempt)

    def relist(self, code: str, name: str, unit_price_minor: int, currency: str, moq: int, weight_grams: int) -> Sku:
        """Change a SKU's listing (name, price, MOQ, unit weight); published as SkuCatalogued."""
        check_price(code, unit_price_minor, self.max_unit_price_minor)

        def attempt() -> tuple[Sku, list[Any]]:
            sku = self.get_sku(code)
            sku.relist(name, unit_price_minor, currency, moq, weight_grams)
            return sku, [sku]

        return self.write([code], attempt)

    def receive_stock(self, code: str, quantity: int, reference: str, by: str) -> Sku:
        """Goods arrived: stock on hand goes up."""

        def attempt() -> tuple[Sku, list[Any]]:
            sku = self.get_sku(code)
            sku.receive(quantity, reference, by)
            return sku, [sku]

        return self.write([code], attempt)

    def adjust_stock(
        self, code: str, reason: str, by: str, *, counted: int | None = None, change: int | None = None
    ) -> Adjustment:
        """Correct stock on hand to a count or by a change (a damaged batch). Below what is held and
        reserved, holds give way, then the newest reservations; each order cut is told (I3)."""
        correction = StockCorrection(counted, change)

        def attempt() -> tuple[Adjustment, list[Any]]:
            sku = self.get_sku(code)
            holds_before = set(sku.holds)
            cuts = sku.adjust(correction.applied_to(sku.on_hand), reason, by, field=correction.field)
            ended = [cancel_timer(self, HOLD_EXPIRY, hold_target(code, h)) for h in holds_before - set(sku.holds)]
            reservations = [self.reservation(order_id) for order_id in cuts]
            shortfalls = tuple(
                OrderCut(r.order_id, r.cut_short(code, cuts[r.order_id], reason, self.clock.now()))
                for r in reservations
            )
            return Adjustment(sku, shortfalls), [sku, *reservations, *ended]

        return self.write([code], attempt)

    # --- holds (I1) ---------------------------------------------------------------------------------
    def place_hold(self, customer_id: str, code: str, quantity: int) -> HoldView:
        """Hold stock for a customer's cart until the hold TTL passes; refused beyond availability (I2)."""
        hold_id = str(uuid.uuid4())

        def attempt() -> tuple[HoldView, list[Any]]:
            sku = self.get_sku(code)
            expires_at = self.clock.now() + self.hold_ttl
            sku.place_hold(hold_id, customer_id, quantity, expires_at)
            index = self.find(customer_holds_id(customer_id)) or CustomerHolds(customer_id=customer_id)
            index.note(code)
            timer = Timer(kind=HOLD_EXPIRY, target=hold_target(code, hold_id), due_at=expires_at)
            return HoldView(hold_id, code, customer_id, quantity, expires_at), [sku, index, timer]

        return self.write([code], attempt)

    def holds_of(self, customer_id: str) -> list[HoldView]:
        """A customer's active holds, oldest first per SKU."""
        index = self.find(customer_holds_id(customer_id))
        return [
            HoldView(hold_id, code, customer_id, hold.quantity, hold.expires_at)
            for code in (index.skus if index else [])
            for hold_id, hold in self.get_sku(code).holds_of(customer_id).items()
        ]

    def release_hold(self, customer_id: str, hold_id: str) -> HoldView:
        """The customer lets a hold go before it expires; its stock is free again."""
        found = [view for view in self.holds_of(customer_id) if view.hold_id == hold_id]
        if not found:
            raise errors.HoldNotFound(f"you have no active hold {hold_id}", field="hold_id", rule="I1")
        view = found[0]

        def attempt() -> tuple[HoldView, list[Any]]:
            sku = self.get_sku(view.sku)
            if not sku.release_hold(hold_id, "released by the customer"):
                raise errors.HoldNotFound(f"hold {hold_id} ended meanwhile", field="hold_id", rule="I1")
            return view, [sku, cancel_timer(self, HOLD_EXPIRY, hold_target(view.sku, hold_id))]

        return self.write([view.sku], attempt)

    # --- picking (I4) -------------------------------------------------------------------------------
    def start_picking(self, order_id: str, by: str) -> Reservation:
        """Start picking a confirmed order; PickingStarted moves the order to Processing."""

        def attempt() -> tuple[Reservation, list[Any]]:
            reservation = self.reservation(order_id)
            reservation.start_picking(self.clock.now(), by)
            return reservation, [reservation]

        return self.write([], attempt)

    def finish_picking(self, order_id: str, by: str, weight_grams: int | None = None) -> Reservation:
        """Finish picking: the goods leave the shelf and the parcel weight (measured, or unit weights
        times quantities) goes to shipping as GoodsPrepared."""
        codes = list(self.reservation(order_id).reserved)

        def attempt() -> tuple[Reservation, list[Any]]:
            reservation = self.reservation(order_id)
            skus = [self.get_sku(code) for code, quantity in reservation.reserved.items() if quantity]
            picking.finish(reservation, skus, weight_grams, self.clock.now(), by)
            return reservation, [*skus, reservation, cancel_timer(self, PICKING_SLA, order_id)]

        return self.write(codes, attempt)

    # --- writing ------------------------------------------------------------------------------------
    def write(self, codes: list[str], attempt: Attempt[T]) -> T:
        """`commit` (decide, save, decide again on a conflict), queued behind this process's other
        writers of the same SKUs; nothing is recorded until a decision holds (I2)."""
        with self.sku_locks.held(codes):
            try:
                return self.commit(attempt, retries=self.conflict_retries)
            except StillConflicting:
                raise errors.StockBusy.after(codes, self.conflict_retries) from None

    def process_envelope(self, envelope: Envelope, tracking: Tracking) -> None:
        """Apply one incoming event, again on the new state when another replica changed the same SKU."""
        apply = partial(super().process_envelope, envelope, tracking)
        conflicts.apply_again(apply, tracking, self.recorder, self.conflict_retries)

    def process_batch(self, items: list[tuple[Envelope, int]], tracking_name: str) -> None:
        with conflicts.batch_conflict_logged(tracking_name):
            super().process_batch(items, tracking_name)

    # --- reading ------------------------------------------------------------------------------------
    def find(self, aggregate_id: uuid.UUID, pe: PE | None = None) -> Any:
        """The aggregate (the copy changed in `pe` if any), or None."""
        try:
            return self.load(aggregate_id, pe)
        except AggregateNotFoundError:
            return None

    def get_sku(self, code: str, pe: PE | None = None) -> Sku:
        sku = self.find(sku_id(code), pe)
        if not isinstance(sku, Sku):
            raise errors.UnknownSku(f"no SKU {code!r} in the catalogue", field="sku", rule="I1")
        return sku

    def list_skus(self) -> list[Sku]:
        topic = get_topic(Sku.Catalogued)
        notifications = self.recorder.select_notifications(start=1, limit=100_000, topics=[topic])
        return [self.repository.get(uuid.UUID(str(n.originator_id))) for n in notifications]

    def get_reservation(self, order_id: str, pe: PE | None = None) -> Reservation | None:
        reservation = self.find(reservation_id(order_id), pe)
        return reservation if isinstance(reservation, Reservation) else None

    def reservation(self, order_id: str) -> Reservation:
        reservation = self.get_reservation(order_id)
        if reservation is None:
            message = f"inventory has no order {order_id} (no OrderPlaced seen)"
            raise errors.ReservationNotFound(message, field="order_id", rule="I4")
        return reservation

    def sku_history(self, code: str) -> list[dict[str, Any]]:
        """Every event of the SKU, in order (auditors)."""
        self.get_sku(code)
        return self.history(sku_id(code))

    def sku_as_of(self, code: str, at: datetime | None) -> Sku:
        """The SKU replayed up to `at` (None: every event), for auditors."""
        sku = self.replay_as_of(sku_id(code), at)
        if not isinstance(sku, Sku):
            when = at.isoformat() if at else "now"
            raise errors.UnknownSku(f"no SKU {code!r} in the catalogue as of {when}", field="as_of", rule="I1")
        return sku

    def sla_breaches(self) -> list[SlaBreach]:
        """Orders whose picking did not finish within the SLA of their confirmation (I4)."""
        topic = get_topic(Reservation.PickingSlaBreached)
        found = self.recorder.select_notifications(start=1, limit=10_000, topics=[topic])
        events: list[Any] = [self.mapper.to_domain_event(n) for n in found]
        return [SlaBreach(e.order_id, e.due_at, e.at) for e in events]
