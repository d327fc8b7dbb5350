"""The shipment of one order, from the facts other services publish to the customer's receipt (S1-S4).

Its id follows from the order id, so a redelivered event cannot open a twin. It is opened by
whichever fact arrives first (the order, the prepared goods, a payment), and quoted once both the
order and the parcel weight are known."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.shipping.domain import settlement
from services.shipping.domain import tracking as tr
from services.shipping.domain.errors import CarrierChoiceRefused, ReceiptRefused
from services.shipping.domain.estimate import DeliveryWindow
from services.shipping.domain.tariff import QuoteImpossible, TariffTable

SHIPMENT_NAMESPACE = uuid.UUID("c4e1a9d2-6b3f-4f0e-9a7c-1d2e3f4a5b66")


def shipment_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(SHIPMENT_NAMESPACE, order_id)


class Shipment(Aggregate):
    Quoted: ClassVar[type[Any]]
    QuoteRefused: ClassVar[type[Any]]
    Dispatched: ClassVar[type[Any]]
    Delivered: ClassVar[type[Any]]
    ReceiptConfirmed: ClassVar[type[Any]]
    MarkedLate: ClassVar[type[Any]]

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return shipment_id(order_id)

    @event("Opened")
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        self.order: dict[str, Any] | None = None
        self.weight_grams: int | None = None
        self.quote: dict[str, Any] | None = None
        self.refusal: dict[str, Any] | None = None
        self.payment: dict[str, Any] | None = None
        self.voucher: dict[str, Any] | None = None
        self.cancelled: dict[str, Any] | None = None
        self.tracking_number: str | None = None
        self.carrier_choice: dict[str, Any] | None = None
        self.dispatched: dict[str, Any] | None = None
        self.updates: list[dict[str, Any]] = []
        self.delivered: dict[str, Any] | None = None
        self.late: dict[str, Any] | None = None
        self.receipt: dict[str, Any] | None = None

    # --- derived --------------------------------------------------------------------------------
    @property
    def customer_id(self) -> str | None:
        return self.order["customer_id"] if self.order else None

    @property
    def carrier(self) -> str | None:
        if self.carrier_choice:
            return str(self.carrier_choice["carrier"])
        return self.order["carrier"] if self.order else None

    @property
    def tracking_state(self) -> str | None:
        if self.dispatched is None:
            return None
        return str(self.updates[-1]["status"]) if self.updates else tr.DISPATCHED

    @property
    def status(self) -> str:
        if self.receipt:
            return "received"
        if self.tracking_state:
            return self.tracking_state
        if self.cancelled:
            return "cancelled"
        if self.settled:
            return "paid"
        if self.quote:
            return "awaiting_payment"
        if self.refusal:
            return "quote_refused"
        return "awaiting_order" if self.order is None else "awaiting_goods"

    @property
    def settled(self) -> bool:
        """S2: the shipping money arrived and covers the quote (a voucher alone does not count)."""
        return settlement.covers(self.payment, self.quote)

    @property
    def last_activity_at(self) -> datetime | None:
        if self.updates:
            at: datetime = self.updates[-1]["at"]
            return at
        return self.dispatched["at"] if self.dispatched else None

    @property
    def alarm_running(self) -> bool:
        """S3: a dispatched parcel not yet delivered raises a 'no update' alarm, except in customs."""
        return self.dispatched is not None and self.tracking_state not in (tr.HELD_AT_CUSTOMS, tr.DELIVERED)

    # --- facts from other services -----------------------------------------------------------------
    def record_order(self, facts: dict[str, Any]) -> bool:
        if self.order is not None:
            return False
        self._record_order(facts=facts)
        return True

    @event("OrderRecorded")
    def _record_order(self, facts: dict[str, Any]) -> None:
        self.order = facts

    def record_weight(self, weight_grams: int) -> bool:
        if self.weight_grams is not None:
            return False
        self._record_weight(weight_grams=weight_grams)
        return True

    @event("WeightRecorded")
    def _record_weight(self, weight_grams: int) -> None:
        self.weight_grams = weight_grams

    def try_quote(self, table: TariffTable, at: datetime) -> bool:
        """S1: quote once the order and the weight are known; record why not if it cannot be done."""
        if self.order is None or self.weight_grams is None or self.quote or self.cancelled:
            return False
        try:
            quote = table.quote(self.carrier, self.order["country"], self.weight_grams)
        except QuoteImpossible as impossible:
            if self.refusal and self.refusal["reason"] == impossible.reason:
                return False
            self._refuse(problem=impossible.problem, reason=impossible.reason, tariff_version=table.version, at=at)
            return True
        self._quoted(quote=vars(quote).copy(), at=at)
        return True

    @event("Quoted")
    def _quoted(self, quote: dict[str, Any], at: datetime) -> None:
        self.quote = {**quote, "quoted_at": at}
        self.refusal = None

    @event("QuoteRefused")
    def _refuse(self, problem: str, reason: str, tariff_version: str, at: datetime) -> None:
        self.refusal = {"problem": problem, "reason": reason, "tariff_version": tariff_version, "at": at}

    def choose_carrier(self, carrier: str, actor: str, at: datetime) -> None:
        """Ops choose the carrier for an order placed before carriers were offered (or refused)."""
        if self.quote or self.cancelled:
            raise CarrierChoiceRefused(
                f"the shipment is {self.status}: its carrier can no longer change", field="carrier", rule="S1"
            )
        self._choose_carrier(carrier=carrier, actor=actor, at=at)

    @event("CarrierChosen")
    def _choose_carrier(self, carrier: str, actor: str, at: datetime) -> None:
        self.carrier_choice = {"carrier": carrier, "actor": actor, "at": at}

    def record_voucher(self, amount_minor: int, currency: str, at: datetime) -> bool:
        if self.voucher or self.payment:
            return False
        self._voucher(amount_minor=amount_minor, currency=currency, at=at)
        return True

    @event("VoucherReceived")
    def _voucher(self, amount_minor: int, currency: str, at: datetime) -> None:
        self.voucher = {"amount_minor": amount_minor, "currency": currency, "at": at}

    def record_payment(self, how: str, amount_minor: int, currency: str, at: datetime, window: DeliveryWindow) -> bool:
        """The shipping money arrived (captured, debited or settled): the delivery estimate starts (S3)."""
        if self.payment is not None:
            return False
        self._paid(how=how, amount_minor=amount_minor, currency=currency, at=at, window=vars(window).copy())
        return True

    @event("ShippingPaid")
    def _paid(self, how: str, amount_minor: int, currency: str, at: datetime, window: dict[str, datetime]) -> None:
        self.payment = {"how": how, "amount_minor": amount_minor, "currency": currency, "at": at, **window}

    def cancel(self, reason: str, at: datetime) -> bool:
        if self.cancelled or self.dispatched:
            return False
        self._cancel(reason=reason, at=at)
        return True

    @event("Cancelled")
    def _cancel(self, reason: str, at: datetime) -> None:
        self.cancelled = {"reason": reason, "at": at}

    # --- dispatch (S2) -----------------------------------------------------------------------------
    def check_dispatchable(self) -> None:
        settlement.check_dispatchable(self.cancelled, self.quote, self.payment, self.voucher)

    def dispatch(self, tracking_number: str, actor: str, at: datetime) -> bool:
        if self.dispatched:
            return False
        self.check_dispatchable()
        self._dispatch(tracking_number=tracking_number, actor=actor, at=at)
        return True

    @event("Dispatched")
    def _dispatch(self, tracking_number: str, actor: str, at: datetime) -> None:
        self.tracking_number = tracking_number
        self.dispatched = {"actor": actor, "at": at, "carrier": self.carrier}

    # --- tracking (S3) -----------------------------------------------------------------------------
    def track(self, update: dict[str, Any], received_at: datetime) -> bool:
        """Apply one carrier update; False if it was applied before (a replay changes nothing)."""
        if any(u["update_id"] == update["update_id"] for u in self.updates):
            return False
        tr.check_update(self.tracking_state, self.last_activity_at, update)
        if update["status"] == tr.DELIVERED:
            # who signed is personal data: its own field of the event, which the store seals (X4)
            rest = {k: v for k, v in update.items() if k != "signed_by"}
            self._deliver(update={**rest, "received_at": received_at}, signed_by=update["signed_by"])
        else:
            self._track(update={**update, "received_at": received_at})
        return True

    @event("TrackingUpdated")
    def _track(self, update: dict[str, Any]) -> None:
        self.updates = [*self.updates, update]
        self.late = None

    @event("Delivered")
    def _deliver(self, update: dict[str, Any], signed_by: str | None = None) -> None:
        """`signed_by` None: an event stored before it was sealed apart, with the name in the update."""
        signed = signed_by if signed_by is not None else update.get("signed_by")
        self.updates = [*self.updates, {**update, "signed_by": signed}]
        self.delivered = {"signed_by": signed, "signed_at": update["at"]}
        self.late = None

    def mark_late(self, seen_updates: int, at: datetime) -> bool:
        """S3: no update since the alarm was set (`seen_updates` updates then); not in customs."""
        since = self.last_activity_at
        if not self.alarm_running or len(self.updates) != seen_updates or self.late or since is None:
            return False
        self._late(silent_since=since, at=at)
        return True

    @event("MarkedLate")
    def _late(self, silent_since: datetime, at: datetime) -> None:
        self.late = {"silent_since": silent_since, "flagged_at": at}

    # --- receipt (S4) ------------------------------------------------------------------------------
    def confirm_receipt(self, customer_id: str, at: datetime) -> bool:
        if self.receipt:
            return False
        if self.delivered is None:
            raise ReceiptRefused(
                f"the parcel is {self.status}: receipt can be confirmed once it is delivered",
                field="order_id",
                rule="S4",
            )
        self._receipt(customer_id=customer_id, at=at)
        return True

    @event("ReceiptConfirmed")
    def _receipt(self, customer_id: str, at: datetime) -> None:
        self.receipt = {"customer_id": customer_id, "at": at}
