"""X3: every service's OpenAPI tells the truth under schemathesis (tests/contract/fuzz.py): each
operation, with a token of each of four roles, answers no 5xx, only statuses it documents, and bodies
that match the documented schema.

The service's own routes run in process on the in-memory worlds of the role matrix (real SKUs, a
real order of customer A with its payment, shipment, hold, ticket and photo; payments once more with
an order paid by bank transfer, for vouchers and settlement); the chassis operations
that read PostgreSQL or the published log themselves run on real PostgreSQL and Kafka, with a real
order placed and published first. `HALLMARK_FUZZ_EXAMPLES` (default 24 per operation) digs deeper."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.orders.domain.catalogue import CatalogueEntry
from shared.runtime.service import Runtime
from tests.chassis.test_audit_verify import publish
from tests.contract.fuzz import FUZZ_EXAMPLES, TALLIES, Tally, fuzz
from tests.infra import Harness
from tests.unit.payments.scenario import PaymentsScenario
from tests.unit.roles.matrix import AUDIT_READS, NEEDS_DATABASE, headers
from tests.unit.roles.worlds import PDF, WORLDS, World

ON_DATABASE = NEEDS_DATABASE | AUDIT_READS | {("GET", "/readyz")}
"""Operations that read PostgreSQL, the archive or Kafka themselves (the in-memory worlds have none)."""
DEFAULTS = {"letter_id": "1", "purpose": "goods", "carrier": "DHL"}
SKU = "RING-STEEL-PEARL"


def on_database(method: str, path: str) -> bool:
    return (method, path) in ON_DATABASE


def create_app(runtime: Runtime[Any]) -> FastAPI:
    factory: Any = importlib.import_module(f"services.{runtime.name}.api").create_app
    app: FastAPI = factory(runtime)
    return app


def report(tally: Tally) -> Tally:
    """Keep the tally for the session's summary (tests/contract/conftest.py prints it, pass or fail)."""
    TALLIES.append(tally)
    return tally


def paid_by_transfer() -> World:
    """Payments again, on an order paid by bank transfer: vouchers, settlement and the deposit answer."""
    scenario = PaymentsScenario()
    order = scenario.placed(5400, method="bank_transfer")
    voucher = {"files": {"file": ("voucher.pdf", PDF, "application/pdf")}}
    credit = {"amount_minor": 100000, "currency": "USD", "reference": "bank-7"}
    return World(
        scenario.runtime,
        {"order_id": order, "purpose": "goods", "customer_id": "cust-1"},
        [order],
        {
            ("POST", "/payments/{order_id}/voucher"): voucher,
            ("POST", "/payments/{order_id}/{purpose}/voucher"): voucher,
            ("POST", "/payments/{order_id}/settle"): {"json": {"amount_minor": 5400, "purpose": "goods"}},
            ("POST", "/deposits/{customer_id}/credits"): {"json": credit},
        },
    )


FUZZED: dict[str, tuple[Callable[[], World], Callable[[str, str], bool]]] = {
    **{service: (build, lambda method, path: not on_database(method, path)) for service, build in WORLDS.items()},
    "payments (bank transfer)": (paid_by_transfer, lambda method, path: path.startswith(("/payments", "/deposits"))),
}
"""The worlds fuzzed in memory, and which of their operations."""


@pytest.mark.parametrize("name", list(FUZZED))
def test_X3_every_operation_answers_what_its_openapi_documents_to_every_role(name: str) -> None:
    build, only = FUZZED[name]
    world = build()
    tally = report(Tally(name))
    fuzz(
        tally,
        world.app(),
        world.runtime.settings.platform,
        params={**DEFAULTS, **world.params},
        bodies=world.requests,
        only=only,
    )
    assert tally.sent > 0
    assert (tally.failures, dict(tally.crashes)) == ({}, {})


def test_X3_operations_that_read_the_database_answer_what_their_openapi_documents(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = harness.runtime("orders")
    orders.app.save(CatalogueEntry(sku=SKU, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6))
    order = str(orders.app.place_order("cust-1", [(SKU, 12)]))
    publish(orders)
    runtimes = {service: orders if service == "orders" else harness.runtime(service) for service in WORLDS}
    apps = {service: create_app(runtime) for service, runtime in runtimes.items()}
    # the orders trail reads the other four services' audit APIs: these apps, in process (not `make up`'s ports)
    monkeypatch.setenv("AUDIT_PEERS", ",".join(f"{service}=http://{service}" for service in WORLDS))
    peers = {f"http://{service}": httpx.ASGITransport(app=app) for service, app in apps.items()}
    apps["orders"].state.audit_client = httpx.AsyncClient(mounts=peers, timeout=10)
    params = {**DEFAULTS, "order_id": order, "aggregate_id": order, "sku": SKU, "customer_id": "cust-1"}
    tallies = []
    for service, app in apps.items():
        tally = report(Tally(f"{service} (PostgreSQL)"))
        examples = FUZZ_EXAMPLES if service == "orders" else FUZZ_EXAMPLES // 4  # the same chassis code again
        platform = runtimes[service].settings.platform
        tallies.append(fuzz(tally, app, platform, params=params, only=on_database, examples=examples))
    assert all(t.sent > 0 for t in tallies)
    assert [(t.failures, dict(t.crashes)) for t in tallies] == [({}, {})] * len(tallies)
    trail = TestClient(apps["orders"]).get(
        f"/audit/orders/{order}/trail", headers=headers("auditor", orders.settings.platform)
    )
    assert (trail.status_code, sorted(trail.json()["services"]), trail.json()["services"]["orders"]["events"]) == (
        200,
        sorted(WORLDS),
        1,
    ), trail.text[:400]
    assert [gap for gap in trail.json()["gaps"] if gap["kind"] == "service_unreachable"] == []
