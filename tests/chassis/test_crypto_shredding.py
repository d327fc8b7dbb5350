"""X4 on real PostgreSQL and Kafka: a customer's address and e-mail are never in the clear in the
orders database (events, snapshots, outbox archive) or on `orders.events`, before or after they are
forgotten; forgetting keeps amounts and statuses, changes no stored byte, and the log still verifies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.application import Address, Checkout
from services.orders.domain.catalogue import CatalogueEntry
from shared.events import shipping as ship
from shared.runtime.identity import mint
from tests.chassis.test_audit_verify import check, publish
from tests.infra import Harness
from tests.kafka_helpers import read_all
from tests.unit.messages import incoming

SKU = "RING-STEEL-PEARL"
ADDRESS = Address(name="Ana Ruiz", line1="Calle Mayor 1", line2=None, city="Madrid", postal_code="28013", country="ES")
DETAILS = Checkout(
    shipping_address=ADDRESS,
    billing_address=ADDRESS,
    payment_method="card",
    contact_email="ana@ruiz.example",
    carrier="DHL",
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLAINTEXT = (b"Ana Ruiz", b"Calle Mayor", b"Madrid", b"28013", b"ana@ruiz.example")


def database_bytes(dsn: str) -> bytes:
    """Every value of every table of the service's database: bytea as its bytes, the rest as text."""
    found: list[bytes] = []
    with psycopg.connect(dsn) as conn:
        tables = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                found += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(found)


def test_X4_forgetting_after_a_lifecycle_erases_the_details_everywhere_and_the_log_still_verifies(
    harness: Harness,
) -> None:
    orders = harness.runtime("orders")
    app = orders.app
    app.save(CatalogueEntry(sku=SKU, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6))
    coverage = [ship.CarrierCoverage(carrier="DHL", countries=["ES"], max_weight_grams=30_000)]
    tariff = ship.CarrierTariffPublished(tariff_version="2026-01", currency="USD", carriers=coverage, published_at=T0)
    orders.consumer.apply_batch([incoming("CarrierTariffPublished", tariff, 1, T0)])
    order_id = app.place_order("cust-ana", [(SKU, 2)], DETAILS)
    app.cancel(order_id)  # the order's lifecycle has ended (O5: free while unpaid)
    publish(orders)
    platform = orders.settings.platform

    def as_(role: str) -> dict[str, str]:
        return {"authorization": "Bearer " + mint(platform.jwt_secret, platform.jwt_issuer, role, f"{role}-1")}

    def topic_bytes() -> bytes:
        return b"".join(r.value for r in read_all(harness.infra.bootstrap, orders.topic))

    before_db, before_topic = database_bytes(orders.settings.dsn), topic_bytes()
    assert [p for p in PLAINTEXT if p in before_db + before_topic] == []
    assert app.get_order(order_id).contact_email == "ana@ruiz.example"

    with TestClient(create_app(orders)) as client:
        path = "/privacy/customers/cust-ana/forget"
        refused = [client.post(path, headers=as_(r)).status_code for r in ("customer", "auditor", "account_manager")]
        first = client.post("/privacy/customers/cust-ana/forget", headers=as_("ops"))
        again = client.post("/privacy/customers/cust-ana/forget", headers=as_("ops"))
        history = client.get(f"/orders/{order_id}/history", headers=as_("auditor")).json()
        shown = client.get(f"/orders/{order_id}", headers=as_("auditor")).json()
    assert refused == [403, 403, 403]
    assert (first.status_code, first.json()["keys_destroyed"], again.json()["keys_destroyed"]) == (200, 1, 0)

    replayed = app.replay_as_of(uuid.UUID(str(order_id)), None)
    assert (replayed.shipping_address, replayed.contact_email) == ("[erased]", "[erased]")
    assert (replayed.status, replayed.total_minor, replayed.currency) == ("Cancelled", 900, "USD")
    assert (history[0]["data"]["contact_email"], shown["status"]) == ("[erased]", "Cancelled")
    after_db, after_topic = database_bytes(orders.settings.dsn), topic_bytes()
    assert [p for p in PLAINTEXT if p in after_db + after_topic] == []
    assert after_topic == before_topic
    report = check(orders)
    assert report.ok, report.as_dict()
