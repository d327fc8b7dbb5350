"""Wiring for the orders service: settings -> runtime (application, consumer, relay, mailer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.orders.adapters.mail import confirmation_mailer
from services.orders.adapters.outbound import translate
from services.orders.application import OrdersApplication
from services.orders.settings import OrdersSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[OrdersApplication] = ServiceSpec(
    name="orders",
    app_class=OrdersApplication,
    translate=translate,
    consumes=(events_topic("inventory"), events_topic("payments"), events_topic("shipping")),
    policies=OrdersApplication.handlers,
    timers=OrdersApplication.timer_handlers,
    followers={"confirmation-mail": confirmation_mailer},
)


def bootstrap(settings: OrdersSettings | None = None, **overrides: Any) -> Runtime[OrdersApplication]:
    settings = settings or OrdersSettings()
    runtime = Runtime(SPEC, settings, **overrides)
    runtime.app.sample_fee_minor = settings.sample_fee_minor
    runtime.app.policy_version = settings.cancellation_policy
    runtime.app.picking_sla = timedelta(hours=settings.picking_sla_hours)
    return runtime
