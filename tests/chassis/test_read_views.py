"""GET /orders/{id} on the real PostgreSQL store: the cached view is checked against the order's newest
stored version (shared/runtime/http/views.py) on connections of the API's own, so another runtime's
writes (another API process, the worker) show in the very next GET, past a snapshot too, and a
version connection PostgreSQL closed while it was idle is replaced without failing a request."""

from __future__ import annotations

import uuid

import psycopg
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.domain.catalogue import CatalogueEntry
from shared.runtime.identity import mint
from tests.infra import Harness


def test_O4_a_get_shows_another_processes_write_at_once_and_survives_its_connections_being_closed(
    harness: Harness,
) -> None:
    served, writer = harness.runtime("orders"), harness.runtime("orders")  # the API's process, another one
    writer.app.save(CatalogueEntry(sku="RV-1", name="r", unit_price_minor=100, currency="USD", moq=1, weight_grams=1))
    order_id = writer.app.place_order("cust-views", [("RV-1", 1)])
    platform = served.settings.platform
    token = mint(platform.jwt_secret, platform.jwt_issuer, "customer", "cust-views", audience=platform.jwt_audience)
    headers = {"authorization": f"Bearer {token}"}
    api = create_app(served)
    with TestClient(api) as client:

        def version() -> int:
            reply = client.get(f"/orders/{order_id}", headers=headers)
            assert reply.status_code == 200, reply.text
            return int(reply.json()["version"])

        assert version() == 1
        for i in range(100):  # past the snapshot every 100 events
            writer.app.change_order(order_id, "am-views", f"change {i}", [("RV-1", 2 + i % 3)])
            if i % 33 == 0:
                assert version() == writer.app.get_order(order_id).version
        assert version() == 101
        assert client.get(f"/orders/{uuid.uuid4()}", headers=headers).status_code == 404

        with psycopg.connect(served.settings.dsn, autocommit=True) as conn:  # as a PostgreSQL restart does
            closed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'SELECT max(originator_version)%%' "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        assert closed
        writer.app.change_order(order_id, "am-views", "after the restart", [("RV-1", 1)])
        assert version() == 102
    assert len(api.state.views) == 1
