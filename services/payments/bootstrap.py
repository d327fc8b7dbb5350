"""Wiring for the payments service: settings -> runtime (application, consumer, relay)."""

from __future__ import annotations

from typing import Any

from services.payments.adapters.outbound import translate
from services.payments.application import PaymentsApplication
from services.payments.settings import PaymentsSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[PaymentsApplication] = ServiceSpec(
    name="payments",
    app_class=PaymentsApplication,
    translate=translate,
    consumes=tuple(events_topic(t) for t in ("orders", "inventory", "shipping", "tickets")),
)


def bootstrap(settings: PaymentsSettings | None = None, **overrides: Any) -> Runtime[PaymentsApplication]:
    return Runtime(SPEC, settings or PaymentsSettings(), **overrides)
