"""Wiring for the inventory service: settings -> runtime (application, consumer, relay, timers)."""

from __future__ import annotations

from typing import Any

from services.inventory.adapters.outbound import translate
from services.inventory.application import InventoryApplication, policies
from services.inventory.seed import DEMO_CATALOGUE
from services.inventory.settings import InventorySettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[InventoryApplication] = ServiceSpec(
    name="inventory",
    app_class=InventoryApplication,
    translate=translate,
    consumes=(events_topic("orders"),),
    policies=policies.POLICIES,
    timers=policies.TIMERS,
)


def bootstrap(settings: InventorySettings | None = None, **overrides: Any) -> Runtime[InventoryApplication]:
    settings = settings or InventorySettings()
    runtime = Runtime(SPEC, settings, **overrides)
    if settings.seed_demo_catalogue:
        for item in DEMO_CATALOGUE:
            runtime.app.catalogue(**item)
    return runtime
