"""Wiring for the payments service: settings -> runtime (application, provider, consumer, relay)."""

from __future__ import annotations

from typing import Any

from services.payments.adapters.outbound import translate
from services.payments.adapters.providers import HttpSandboxProvider, PaymentProvider
from services.payments.adapters.vouchers import InMemoryVoucherStore, PostgresVoucherStore
from services.payments.application import PaymentsApplication, policies
from services.payments.settings import PaymentsSettings
from shared.events import events_topic
from shared.runtime.service import Runtime, ServiceSpec


def ports(settings: PaymentsSettings) -> dict[str, Any]:
    """The adapters the application takes: the card/PayPal gateway and where vouchers are kept (the
    payments database; the store connects on first use)."""
    return {
        "provider": HttpSandboxProvider(settings.provider_url, settings.provider_timeout_seconds),
        "vouchers": PostgresVoucherStore(settings.dsn),
    }


SPEC: ServiceSpec[PaymentsApplication] = ServiceSpec(
    name="payments",
    app_class=PaymentsApplication,
    translate=translate,
    consumes=tuple(events_topic(t) for t in ("orders", "inventory", "shipping", "tickets")),
    policies=policies.POLICIES,
    timers=policies.TIMERS,
    ports=ports,
)


def bootstrap(
    settings: PaymentsSettings | None = None, provider: PaymentProvider | None = None, **overrides: Any
) -> Runtime[PaymentsApplication]:
    """The payments runtime; tests pass another `provider` (e.g. an in-memory gateway). On in-memory
    persistence vouchers are kept in memory too, unless a `vouchers` port is given."""
    given = dict(overrides.get("ports", {}))
    if provider is not None:
        given["provider"] = provider
    if overrides.get("persistence") == "memory":
        given.setdefault("vouchers", InMemoryVoucherStore())
    overrides["ports"] = given
    return Runtime(SPEC, settings or PaymentsSettings(), **overrides)
