"""Wiring for the orders service: settings -> runtime (application, consumer, relay, mailer)."""

from __future__ import annotations

from typing import Any

from services.orders.adapters.mail import confirmation_mailer
from services.orders.adapters.outbound import translate
from services.orders.application import OrdersApplication, policies
from services.orders.settings import OrdersSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[OrdersApplication] = ServiceSpec(
    name="orders",
    app_class=OrdersApplication,
    translate=translate,
    consumes=(events_topic("inventory"), events_topic("payments"), events_topic("shipping")),
    policies=policies.POLICIES,
    timers=policies.TIMERS,
    followers={"confirmation-mail": confirmation_mailer},
)


def bootstrap(settings: OrdersSettings | None = None, **overrides: Any) -> Runtime[OrdersApplication]:
    return Runtime(SPEC, settings or OrdersSettings(), **overrides)
