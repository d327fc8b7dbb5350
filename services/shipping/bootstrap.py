"""Wiring for the shipping service: settings -> runtime (application, consumer, relay, quote mailer)."""

from __future__ import annotations

from typing import Any

from services.shipping.adapters.mail import quote_mailer
from services.shipping.adapters.outbound import translate
from services.shipping.application import ShippingApplication, policies
from services.shipping.settings import ShippingSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[ShippingApplication] = ServiceSpec(
    name="shipping",
    app_class=ShippingApplication,
    translate=translate,
    policies=policies.POLICIES,
    timers=policies.TIMERS,
    consumes=tuple(events_topic(t) for t in ("orders", "inventory", "payments")),
    followers={"quote-mail": quote_mailer},
)


def bootstrap(settings: ShippingSettings | None = None, **overrides: Any) -> Runtime[ShippingApplication]:
    runtime = Runtime(SPEC, settings or ShippingSettings(), **overrides)
    runtime.app.publish_tariff()  # CarrierTariffPublished, once per table version
    return runtime
