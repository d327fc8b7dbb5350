"""Auditors on the whole running system: after a full lifecycle every service's log verifies clean, the
order's trail links each hop across the five services to its cause with no gap, and the CLI says so."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.integration.test_full_lifecycle import complete_an_order
from tools.launcher import cli
from tools.launcher.stack import Stack


@pytest.fixture(scope="module")
def client(system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(system)
    yield c
    c.http.close()


def trail_of(client: SystemClient, order_id: str) -> dict[str, Any]:
    response = client.call("GET", "orders", f"/audit/orders/{order_id}/trail", headers=client.token("auditor", "a-1"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def completed_hops(body: dict[str, Any]) -> bool:
    return any(e["event_type"] == "OrderCompleted" for e in body["events"]) and not body["gaps"]


def test_O4_X2_a_completed_order_verifies_clean_and_its_trail_links_every_hop_across_services(
    client: SystemClient, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = client.token("customer", f"cust-{secrets.token_hex(3)}")
    order_id = complete_an_order(client, customer)
    body = eventually(lambda: (b := trail_of(client, order_id)) and completed_hops(b) and b, what="trail complete")
    hops = [(e["service"], e["event_type"]) for e in body["events"]]
    for hop in [
        ("orders", "OrderPlaced"),
        ("inventory", "StockReserved"),
        ("payments", "PaymentCaptured"),
        ("orders", "OrderConfirmed"),
        ("inventory", "GoodsPrepared"),
        ("shipping", "ShippingQuoted"),
        ("shipping", "ParcelDispatched"),
        ("shipping", "ReceiptConfirmed"),
        ("orders", "OrderCompleted"),
    ]:
        assert hop in hops, hop
    assert hops.index(("orders", "OrderPlaced")) < hops.index(("inventory", "StockReserved"))
    by_type = {e["event_type"]: e for e in body["events"]}
    assert by_type["StockReserved"]["causation_id"] == by_type["OrderPlaced"]["event_id"]
    assert by_type["OrderConfirmed"]["caused_by"] == {"service": "payments", "event_type": "PaymentCaptured"}
    assert by_type["OrderCompleted"]["caused_by"] == {"service": "shipping", "event_type": "ReceiptConfirmed"}
    assert all(e["correlation_id"] for e in body["events"])
    assert set(body["services"]) == {"orders", "inventory", "payments", "shipping", "tickets"}
    # X2: a customer may not read the trail, even of their own order.
    assert client.call("GET", "orders", f"/audit/orders/{order_id}/trail", headers=customer).status_code == 403

    # The CLI: the same trail, and every service's log verifies clean (exit 0).
    name = ["--name", client.stack.config.name]
    assert cli.main([*name, "audit", "trail", order_id]) == 0
    printed = capsys.readouterr().out
    assert "shipping  ReceiptConfirmed v1" in printed and "<- shipping ReceiptConfirmed" in printed

    def verified() -> list[dict[str, Any]] | None:
        code = cli.main([*name, "audit", "verify", "--json"])
        reports: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
        return reports if code == 0 else None

    reports = eventually(verified, timeout=60, what="every log verifies clean")
    assert [r["service"] for r in reports] == ["orders", "inventory", "payments", "shipping", "tickets"]
    assert all(r["ok"] and r["counts"]["events"] > 0 for r in reports)
    assert sum(r["counts"]["consumed_checked"] for r in reports) > 0
