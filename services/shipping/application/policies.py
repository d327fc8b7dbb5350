"""How shipping reacts to the orders, inventory and payments services' events (S1-S3), and to its
own durable timers (S3: a parcel with no update for too long)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent

from services.shipping.adapters import inbound
from services.shipping.domain.estimate import DeliveryWindow, slowest_processing_days
from services.shipping.domain.shipment import Shipment, shipment_id
from services.shipping.domain.tariff import TariffTable
from shared.events import Envelope
from shared.runtime.clock import Clock
from shared.runtime.store import Handler
from shared.runtime.timers import Timer, TimerHandler

log = logging.getLogger("hallmark.shipping")
PE = ProcessingEvent[uuid.UUID]
PARCEL_SILENT = "parcel-silent"


class ShippingPort(Protocol):
    """What the handlers need of the shipping application."""

    clock: Clock
    tariff: TariffTable
    processing_days: Mapping[str, int]

    def shipment_for(self, order_id: str, pe: PE) -> Shipment: ...

    def estimate_for(self, shipment: Shipment, start: datetime) -> DeliveryWindow: ...

    def load(self, aggregate_id: uuid.UUID, processing_event: PE | None = None) -> Shipment: ...


def on_order_placed(app: ShippingPort, envelope: Envelope, pe: PE) -> None:
    facts = inbound.order_facts(envelope)
    shipment = app.shipment_for(facts.order_id, pe)
    recorded = shipment.record_order(
        {
            "customer_id": facts.customer_id,
            "contact_email": facts.contact_email,
            **({"contact_sealed": facts.contact_sealed} if facts.contact_sealed else {}),
            "country": facts.country,
            "items": facts.items,
            "carrier": facts.carrier,
            "processing_days": slowest_processing_days(facts.skus, app.processing_days),
        }
    )
    if recorded:
        shipment.try_quote(app.tariff, app.clock.now())
        pe.collect_events(shipment)


def on_goods_prepared(app: ShippingPort, envelope: Envelope, pe: PE) -> None:
    """S1: the parcel weight is known; quote (once the order is known too)."""
    weighed = inbound.parcel_weighed(envelope)
    shipment = app.shipment_for(weighed.order_id, pe)
    if shipment.record_weight(weighed.weight_grams):
        shipment.try_quote(app.tariff, app.clock.now())
        pe.collect_events(shipment)


def on_payment(app: ShippingPort, envelope: Envelope, pe: PE) -> None:
    """P7/S2/S3: shipping money captured, debited or settled starts the estimate and allows dispatch;
    a voucher is recorded but is not money yet (dispatch waits for the transfer to settle)."""
    money = inbound.shipping_money(envelope)
    if money is None:
        return
    shipment = app.shipment_for(money.order_id, pe)
    if money.covered is False:
        return  # a part of a transfer (P2): shipping waits for the settlement that covers the quote
    amount = money.amount_minor
    if money.covered and shipment.quote:  # the parts that arrived cover the quote in all
        amount = max(amount, int(shipment.quote["cost_minor"]))
    if money.how == "voucher":
        changed = shipment.record_voucher(money.amount_minor, money.currency, money.at)
    else:
        window = app.estimate_for(shipment, money.at)
        changed = shipment.record_payment(money.how, amount, money.currency, money.at, window)
    if changed:
        pe.collect_events(shipment)


def on_order_cancelled(app: ShippingPort, envelope: Envelope, pe: PE) -> None:
    withdrawn = inbound.order_withdrawn(envelope)
    shipment = app.shipment_for(withdrawn.order_id, pe)
    if shipment.cancel(withdrawn.reason, withdrawn.at):
        pe.collect_events(shipment)
    elif shipment.dispatched:
        log.warning("order cancelled after dispatch: the parcel travels on", extra={"order_id": withdrawn.order_id})


def on_parcel_silent(app: ShippingPort, timer: Timer, pe: PE) -> None:
    """S3: no update since the alarm was set (and not in customs): the parcel is listed as late."""
    order_id, _, seen = timer.target.rpartition("#")
    try:
        shipment = app.load(shipment_id(order_id), pe)
    except AggregateNotFoundError:
        return
    if shipment.mark_late(int(seen), app.clock.now()):
        pe.collect_events(shipment)


POLICIES: dict[str, Handler] = {
    "OrderPlaced": on_order_placed,
    "GoodsPrepared": on_goods_prepared,
    "PaymentCaptured": on_payment,
    "DepositDebited": on_payment,
    "PaymentSettled": on_payment,
    "PaymentVoucherReceived": on_payment,
    "OrderCancelled": on_order_cancelled,
    "OrderExpired": on_order_cancelled,
}
TIMERS: dict[str, TimerHandler] = {PARCEL_SILENT: on_parcel_silent}
