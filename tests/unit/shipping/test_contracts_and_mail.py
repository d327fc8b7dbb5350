"""Contracts shipping reads and writes (OrderPlaced v3 with the carrier; older versions upcast), and
the S1 quote e-mail, sent over real SMTP to a local sink."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.shipping.adapters.mail import quote_mailer
from services.shipping.settings import ShippingSettings
from shared.events import decode
from shared.runtime.settings import PlatformSettings
from tests.unit.shipping.scenario import ShippingScenario
from tests.unit.test_contracts import sample
from tools.launcher.mailsink import KeepOnDisk


def test_S1_order_placed_v2_upcasts_to_v3_with_no_carrier_and_v3_names_it() -> None:
    envelope, placed = decode(sample("OrderPlaced", 2))
    assert (envelope.schema_version, placed.carrier, placed.contact_email) == (3, None, None)  # type: ignore[attr-defined]
    _, v3 = decode(sample("OrderPlaced", 3))
    assert (v3.carrier, v3.contact_email) == ("DHL", "ana@ruizjoyas.example")  # type: ignore[attr-defined]
    _, v1 = decode(sample("OrderPlaced", 1))
    assert v1.carrier is None  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    controller = Controller(KeepOnDisk(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, tmp_path
    finally:
        controller.stop()


def test_S1_the_quote_is_emailed_with_cost_tariff_version_and_estimate(sink: tuple[int, Path]) -> None:
    port, inbox = sink
    platform = PlatformSettings(smtp_port=port)
    s = ShippingScenario()
    s.runtime.settings = ShippingSettings(platform=platform)
    order_id = s.placed(carrier="FedEx", country="US", email="buyer@example.com")
    silent = s.placed(email=None)  # no contact e-mail (orders placed before it was published): not sent
    s.prepared(order_id, 2600)
    s.prepared(silent, 720)
    handle = quote_mailer(s.runtime)
    for n in s.app.recorder.select_notifications(start=1, limit=100):
        handle(s.app.mapper.to_domain_event(n), n.id)
    (sent,) = [email.message_from_bytes(p.read_bytes()) for p in inbox.glob("*.eml")]
    assert (sent["To"], sent["Subject"]) == ("buyer@example.com", f"Shipping cost for your order {order_id[:8]}")
    assert sent["Message-ID"] == f"<shipping-quoted.{order_id}@hallmark>"
    raw = sent.get_payload(decode=True)
    assert isinstance(raw, bytes)
    text = raw.decode()
    assert "Shipping:     69.90 USD" in text
    assert "Tariff:       FedEx table 2026-01 (the carrier's rate; we add nothing)" in text
    assert "between Fri 06 Mar 2026 and Wed 11 Mar 2026" in text
