"""The shipping application: one method per use case (S1-S4), and the queries behind the API."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.shipping.adapters.privacy import PERSONAL_DATA
from services.shipping.adapters.tariffs import load_tariff
from services.shipping.application.policies import PARCEL_SILENT
from services.shipping.domain.errors import ShipmentNotFound, UnknownParcel
from services.shipping.domain.estimate import DeliveryWindow, EstimateRule
from services.shipping.domain.parcels import ParcelIndex
from services.shipping.domain.publication import TariffPublication, coverage, publication_id
from services.shipping.domain.shipment import Shipment, shipment_id
from services.shipping.domain.tariff import TariffTable
from services.shipping.domain.tracking import index_id, tracking_number
from services.shipping.settings import ShippingSettings
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import HallmarkApplication

log = logging.getLogger("hallmark.shipping")
PE = ProcessingEvent[uuid.UUID]
RETRIES = 8


class ShippingApplication(HallmarkApplication):
    service = "shipping"
    settings: ShippingSettings
    personal_data = PERSONAL_DATA  # X4: who signed for a parcel, sealed per customer (adapters/privacy.py)

    def __init__(
        self,
        settings: ShippingSettings,
        env: Any = None,
        clock: Clock | None = None,
        *,
        tariff: TariffTable | None = None,
    ) -> None:
        super().__init__(settings, env, clock)
        self.tariff = tariff or load_tariff(settings.tariff_dir, settings.tariff_version)
        self.calendar = settings.platform.business_calendar()
        self.estimate = EstimateRule(
            self.calendar, settings.estimate_min_business_days, settings.estimate_max_business_days
        )
        self.processing_days = dict(settings.processing_days)
        self.late_after = timedelta(hours=settings.late_after_hours)
        self.webhook_secrets = settings.webhook_secrets()
        self.replay_window_seconds = settings.webhook_replay_window_seconds

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        if not isinstance(aggregate, Shipment):
            return None
        return {
            "order_id": aggregate.order_id,
            "customer_id": aggregate.customer_id,  # whose key seals who signed (X4)
            "carrier": aggregate.carrier,
            "country": (aggregate.order or {}).get("country"),
            "weight_grams": aggregate.weight_grams,
        }

    def aggregate_ids_of(self, envelope: Envelope) -> list[uuid.UUID]:
        """The shipment of the order an incoming event is about (its policies load it), read ahead per batch."""
        return [shipment_id(envelope.order_id)] if envelope.order_id else []

    # --- what the policies use (ShippingPort) -----------------------------------------------------
    def shipment_for(self, order_id: str, pe: PE) -> Shipment:
        """The order's shipment, opened by whichever fact about the order arrives first."""
        try:
            shipment: Shipment = self.load(shipment_id(order_id), pe)
        except AggregateNotFoundError:
            shipment = Shipment(order_id=order_id)
        return shipment

    def estimate_for(self, shipment: Shipment, start: datetime) -> DeliveryWindow:
        """S3: the delivery window if the shipping is paid at `start` (the slowest item decides)."""
        return self.estimate.window(start, (shipment.order or {}).get("processing_days", 0))

    # --- start ------------------------------------------------------------------------------------
    def publish_tariff(self) -> bool:
        """Record the table's coverage once per version (CarrierTariffPublished); False if done before."""
        if publication_id(self.tariff.version) in self.repository:
            return False
        table = self.tariff
        try:
            self.save(TariffPublication(table.version, table.currency, coverage(table), self.clock.now()))
        except IntegrityError:  # another process published it at the same moment
            return False
        return True

    # --- queries ----------------------------------------------------------------------------------
    def shipment(self, order_id: str) -> Shipment:
        try:
            shipment: Shipment = self.repository.get(shipment_id(order_id))
        except AggregateNotFoundError:
            raise ShipmentNotFound(f"no shipment for order {order_id}", field="order_id", rule="S1") from None
        return shipment

    def shipment_as_of(self, order_id: str, at: datetime) -> Shipment:
        """The shipment replayed up to `at` (auditors)."""
        shipment: Shipment | None = self.replay_as_of(shipment_id(order_id), at)  # type: ignore[assignment]
        if shipment is None:
            raise ShipmentNotFound(f"no shipment for order {order_id} as of {at.isoformat()}", field="as_of", rule="S1")
        return shipment

    def shipment_history(self, order_id: str) -> list[dict[str, Any]]:
        self.shipment(order_id)
        return self.history(shipment_id(order_id))

    def refused_quotes(self) -> list[Shipment]:
        """S1: shipments whose quote was refused and is still missing (ops follow up)."""
        return [s for s in self._flagged(Shipment.QuoteRefused) if s.status == "quote_refused"]

    def late_parcels(self) -> list[Shipment]:
        """S3: parcels with no update for `late_after` (not in customs), still without one."""
        return [s for s in self._flagged(Shipment.MarkedLate) if s.late and s.alarm_running]

    def _flagged(self, event_class: type) -> list[Shipment]:
        found = self.recorder.select_notifications(start=1, limit=10_000, topics=[get_topic(event_class)])
        ids = list(dict.fromkeys(uuid.UUID(str(n.originator_id)) for n in found))
        return [self.repository.get(i) for i in ids]

    # --- commands ---------------------------------------------------------------------------------
    def choose_carrier(self, order_id: str, carrier: str, actor: str) -> Shipment:
        """S1: ops choose the carrier of an order placed before carriers were offered; quote if ready."""
        for _ in range(RETRIES):
            shipment = self.shipment(order_id)
            now = self.clock.now()
            shipment.choose_carrier(carrier, actor, now)
            shipment.try_quote(self.tariff, now)
            try:
                self.save(shipment)
                return shipment
            except IntegrityError:
                continue  # a concurrent event on the shipment: decide again
        raise RuntimeError(f"shipment {order_id} kept changing; try again")

    def dispatch(self, order_id: str, actor: str) -> Shipment:
        """S2: only once the shipping is paid (settled); a tracking number that no other parcel has."""
        for attempt in range(RETRIES * 4):
            shipment = self.shipment(order_id)
            if shipment.dispatched:
                return shipment
            shipment.check_dispatchable()
            number = tracking_number(str(shipment.carrier), order_id, attempt)
            if index_id(number) in self.repository:
                continue  # taken by another parcel: the next attempt gives another serial
            now = self.clock.now()
            shipment.dispatch(number, actor, now)
            pe: PE = ProcessingEvent()
            pe.collect_events(shipment, ParcelIndex(number, str(shipment.carrier), order_id))
            self._set_silence_alarm(shipment, pe)
            try:
                self.record(pe)
                return shipment
            except IntegrityError:
                continue  # the shipment changed meanwhile, or the number was taken: decide again
        raise RuntimeError(f"no free tracking number for order {order_id}")

    def track(self, carrier: str, update: dict[str, Any]) -> tuple[Shipment, bool]:
        """S3: apply a (signature-checked) carrier update; (shipment, False) for an update seen before."""
        number = update["tracking_number"]
        unknown = UnknownParcel(f"{carrier} was given no parcel {number}", field="tracking_number", rule="S3")
        try:
            index: ParcelIndex = self.repository.get(index_id(number))
        except AggregateNotFoundError:
            raise unknown from None
        if index.carrier != carrier:
            raise unknown
        for _ in range(RETRIES):
            shipment = self.shipment(str(index.order_id))
            if not shipment.track(update, self.clock.now()):
                return shipment, False
            pe: PE = ProcessingEvent()
            pe.collect_events(shipment)
            self._set_silence_alarm(shipment, pe)
            try:
                self.record(pe)
                return shipment, True
            except IntegrityError:
                continue
        raise RuntimeError(f"parcel {number} kept changing; the carrier may retry")

    def confirm_receipt(self, order_id: str, customer_id: str) -> Shipment:
        """S4: the customer confirms receipt, after delivery only."""
        shipment = self.shipment(order_id)
        if shipment.confirm_receipt(customer_id, self.clock.now()):
            self.save(shipment)
        return shipment

    def _set_silence_alarm(self, shipment: Shipment, pe: PE) -> None:
        """S3: a durable timer per update; it flags the parcel late unless another update came first.
        None is set while the parcel is in customs (updates may stop there until it is cleared)."""
        if not shipment.alarm_running or shipment.last_activity_at is None or self.timers is None:
            return
        target = f"{shipment.order_id}#{len(shipment.updates)}"
        self.timers.schedule(pe, PARCEL_SILENT, target, shipment.last_activity_at + self.late_after)
