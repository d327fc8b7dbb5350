"""Wiring for the inventory service: settings -> runtime (application, consumer, relay, timers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.inventory.adapters.outbound import translate
from services.inventory.application import InventoryApplication
from services.inventory.seed import DEMO_CATALOGUE
from services.inventory.settings import InventorySettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[InventoryApplication] = ServiceSpec(
    name="inventory",
    app_class=InventoryApplication,
    translate=translate,
    consumes=(events_topic("orders"),),
    policies=InventoryApplication.handlers,
    timers=InventoryApplication.timer_handlers,
)


def bootstrap(settings: InventorySettings | None = None, **overrides: Any) -> Runtime[InventoryApplication]:
    settings = settings or InventorySettings()
    runtime = Runtime(SPEC, settings, **overrides)
    runtime.app.hold_ttl = timedelta(seconds=settings.hold_ttl_seconds)
    runtime.app.picking_sla = timedelta(hours=settings.picking_sla_hours)
    runtime.app.conflict_retries = settings.conflict_retries
    if settings.seed_demo_catalogue:
        for item in DEMO_CATALOGUE:
            runtime.app.catalogue(**item)
    return runtime
