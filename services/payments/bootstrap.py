"""Wiring for the payments service: settings -> runtime (application, provider, consumer, relay)."""

from __future__ import annotations

from typing import Any

from services.payments.adapters.outbound import translate
from services.payments.adapters.providers import HttpSandboxProvider, PaymentProvider
from services.payments.adapters.vouchers import VoucherStore
from services.payments.application import PaymentsApplication
from services.payments.settings import PaymentsSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec

SPEC: ServiceSpec[PaymentsApplication] = ServiceSpec(
    name="payments",
    app_class=PaymentsApplication,
    translate=translate,
    consumes=tuple(events_topic(t) for t in ("orders", "inventory", "shipping", "tickets")),
    policies=PaymentsApplication.handlers,
    timers=PaymentsApplication.timer_handlers,
)


def bootstrap(
    settings: PaymentsSettings | None = None, provider: PaymentProvider | None = None, **overrides: Any
) -> Runtime[PaymentsApplication]:
    settings = settings or PaymentsSettings()
    runtime = Runtime(SPEC, settings, **overrides)
    app = runtime.app
    app.provider = provider or HttpSandboxProvider(settings.provider_url, settings.provider_timeout_seconds)
    app.vouchers = VoucherStore(settings.voucher_dir)
    app.fraud_share = settings.fraud_share
    app.settlement_days = settings.settlement_days
    return runtime
