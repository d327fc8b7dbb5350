"""Auditors on the whole running system: after a full lifecycle every service's log verifies clean, the
order's trail links each hop across the five services to its cause with no gap, the CLI says so, and the
timeline page shows every event in headless Chromium (Debian's `chromium`)."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture(scope="module")
def completed(client: SystemClient) -> tuple[str, dict[str, str]]:
    """One order driven from checkout to Completed: (its id, its customer's headers)."""
    customer = client.token("customer", f"cust-{secrets.token_hex(3)}")
    return complete_an_order(client, customer), customer


def trail_of(client: SystemClient, order_id: str) -> dict[str, Any]:
    response = client.call("GET", "orders", f"/audit/orders/{order_id}/trail", headers=client.token("auditor", "a-1"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def completed_hops(body: dict[str, Any]) -> bool:
    return any(e["event_type"] == "OrderCompleted" for e in body["events"]) and not body["gaps"]


def test_O4_X2_a_completed_order_verifies_clean_and_its_trail_links_every_hop_across_services(
    client: SystemClient, completed: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    order_id, customer = completed
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
        """Clean, once the consumers have acknowledged (committed) some of what they read: until then
        check (3) has nothing acknowledged to check (a fast verify can run before Faust commits)."""
        code = cli.main([*name, "audit", "verify", "--json"])
        reports: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
        acknowledged = sum(r["counts"].get("consumed_checked", 0) for r in reports)
        return reports if code == 0 and acknowledged > 0 else None

    reports = eventually(verified, timeout=60, what="every log verifies clean")
    assert [r["service"] for r in reports] == ["orders", "inventory", "payments", "shipping", "tickets"]
    assert all(r["ok"] and r["counts"]["events"] > 0 for r in reports)
    assert sum(r["counts"]["consumed_checked"] for r in reports) > 0


def chromium(*args: str) -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); the page is not rendered")
    command = [found, "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1800,1000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def test_O4_O5_the_timeline_page_shows_every_event_of_a_real_lifecycle_in_chromium(
    client: SystemClient, completed: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    order_id, customer = completed
    trail = eventually(lambda: (b := trail_of(client, order_id)) and completed_hops(b) and b, what="trail complete")
    token = client.token("auditor", "a-1")["authorization"].split(" ", 1)[1]
    url = f"{client.stack.url('orders')}/audit/orders/{order_id}/timeline?token={token}"
    # X2: no token, or a customer's, gets no page.
    assert client.http.get(url.split("?")[0]).status_code == 401
    assert client.call("GET", "orders", f"/audit/orders/{order_id}/timeline", headers=customer).status_code == 403
    # A screenshot, and the DOM after the page's script ran: a mark for every event of the trail.
    shot = tmp_path / "timeline.png"
    chromium(f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    dom = chromium("--dump-dom", url)
    marks = set(re.findall(r'<g class="event[^"]*" id="ev-[^"]+" data-event-id="([^"]+)"', dom))
    assert marks == {e["event_id"] for e in trail["events"]}
    assert dom.count('class="cause"') == sum(1 for e in trail["events"] if e["caused_by"])
    assert re.search(r'id="terms-status">Completed<', dom)  # the slider starts at now: the order is Completed
    # As of the first instant (the order just placed): later events dimmed, the terms of then.
    first = chromium("--dump-dom", url + "#stop=0")
    assert re.search(r'id="terms-status">PendingPayment<', first)
    assert re.search(r'id="terms-cancellable">true<', first)
    dimmed = set(re.findall(r'<g class="event[^"]* later" id="ev-[^"]+" data-event-id="([^"]+)"', first))
    assert dimmed == {e["event_id"] for e in trail["events"] if e["event_type"] != "OrderPlaced"}
