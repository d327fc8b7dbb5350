"""Wiring for the shipping service: settings -> runtime (application, consumer, relay)."""

from __future__ import annotations

from typing import Any

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
)


def bootstrap(settings: ShippingSettings | None = None, **overrides: Any) -> Runtime[ShippingApplication]:
    return Runtime(SPEC, settings or ShippingSettings(), **overrides)
