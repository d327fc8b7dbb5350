"""The sandbox gateway as a real process, driven through HttpSandboxProvider: idempotency, declines,
timeouts, refunds, restarts; and it keeps only the last four digits of a card."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.payments.adapters.providers import (
    HttpSandboxProvider,
    ProviderRejected,
    ProviderResult,
    ProviderTimeout,
    ProviderUnavailable,
    RefundResult,
)
from tests.infra import eventually

ROOT = Path(__file__).resolve().parents[3]
SLOW_SECONDS = 1.5
CLIENT_TIMEOUT = 0.5
VISA_OK, VISA_DECLINED, VISA_SLOW = "4111111111111111", "4000000000000002", "4000000000000119"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Sandbox:
    """`python -m tools.payments_sandbox` in a subprocess on a free loopback port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log = data_dir / "sandbox.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Sandbox:
        command = [sys.executable, "-m", "tools.payments_sandbox", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir), "--slow-seconds", str(SLOW_SECONDS)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        eventually(self._ready, timeout=60, interval=0.05, what=f"sandbox ready on {self.url}")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"sandbox exited with {self.process.returncode}: {self.log.read_text()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int:
        assert self.process is not None
        self.process.terminate()
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def provider(self, timeout: float = 5.0) -> HttpSandboxProvider:
        return HttpSandboxProvider(self.url, timeout=timeout)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running = Sandbox(tmp_path_factory.mktemp("sandbox")).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def provider(sandbox: Sandbox) -> Iterator[HttpSandboxProvider]:
    with sandbox.provider() as client:
        yield client


def key() -> str:
    return f"key-{uuid.uuid4().hex[:12]}"


def test_P4_sandbox_same_idempotency_key_returns_the_same_capture(
    sandbox: Sandbox, provider: HttpSandboxProvider
) -> None:
    k = key()
    first = provider.capture(k, 12_500, "USD", "card", VISA_OK)
    assert (first.status, first.network, first.last4, first.reason) == ("captured", "Visa", "1111", None)
    assert first.provider_ref is not None and first.provider_ref.startswith("cap_")
    assert provider.capture(k, 12_500, "USD", "card", VISA_OK) == first
    kept = httpx.get(f"{sandbox.url}/v1/captures/{first.provider_ref}").json()
    assert kept == {
        "provider_ref": first.provider_ref,
        "amount_minor": 12_500,
        "currency": "USD",
        "method": "card",
        "network": "Visa",
        "last4": "1111",
        "refunded_minor": 0,
    }
    # the same key for another request is refused, not silently answered
    with pytest.raises(ProviderRejected, match="422"):
        provider.capture(k, 99_999, "USD", "card", VISA_OK)


@pytest.mark.parametrize(
    ("method", "source", "expected"),
    [
        ("card", "5555555555554444", ("captured", "MasterCard", "4444", None)),
        ("card", "3530111333300000", ("captured", "JCB", "0000", None)),
        ("card", VISA_DECLINED, ("declined", "Visa", "0002", "card_declined")),
        ("card", "4111111111111112", ("declined", None, None, "invalid_number")),
        ("paypal", "paypal-ok", ("captured", None, None, None)),
        ("paypal", "paypal-declined", ("declined", None, None, "payer_declined")),
    ],
)
def test_P1_sandbox_test_cards_and_paypal_payers(
    provider: HttpSandboxProvider, method: str, source: str, expected: tuple[str, str | None, str | None, str | None]
) -> None:
    result = provider.capture(key(), 4_000, "USD", method, source)
    assert (result.status, result.network, result.last4, result.reason) == expected
    assert (result.provider_ref is not None) == (result.status == "captured")


def test_P4_a_timed_out_capture_retried_with_the_same_key_charges_once(sandbox: Sandbox) -> None:
    k = key()
    with sandbox.provider(timeout=CLIENT_TIMEOUT) as impatient, pytest.raises(ProviderTimeout):
        impatient.capture(k, 7_000, "USD", "card", VISA_SLOW)

    def retried() -> ProviderResult | None:
        try:
            return patient.capture(k, 7_000, "USD", "card", VISA_SLOW)
        except ProviderUnavailable:
            return None  # the first request is still in progress (409)

    with sandbox.provider(timeout=SLOW_SECONDS + 2) as patient:
        first = eventually(retried, timeout=SLOW_SECONDS + 5, interval=0.1, what="slow capture finished")
        assert (first.status, first.last4) == ("captured", "0119")
        assert patient.capture(k, 7_000, "USD", "card", VISA_SLOW) == first


def test_P6_sandbox_refunds_never_exceed_the_capture(provider: HttpSandboxProvider) -> None:
    ref = provider.capture(key(), 12_500, "USD", "card", VISA_OK).provider_ref
    assert ref is not None
    refund_key = key()
    first = provider.refund(ref, 5_000, refund_key)
    assert (first.status, first.amount_minor) == ("refunded", 5_000)
    assert first.refund_ref is not None and first.refund_ref.startswith("re_")
    assert provider.refund(ref, 5_000, refund_key) == first
    assert provider.refund(ref, 7_501, key()) == RefundResult("refused", None, 7_501, "exceeds_captured")
    assert provider.refund(ref, 7_500, key()).status == "refunded"
    assert provider.refund("cap_unknown", 1, key()) == RefundResult("refused", None, 1, "unknown_capture")


def test_sandbox_never_stores_or_logs_a_full_card_number(sandbox: Sandbox, provider: HttpSandboxProvider) -> None:
    for number in (VISA_OK, VISA_DECLINED, "5555555555554444"):
        provider.capture(key(), 100, "USD", "card", number)
    for path in sandbox.data_dir.iterdir():
        content = path.read_bytes()
        for number in (VISA_OK, VISA_DECLINED, "5555555555554444"):
            assert number.encode() not in content, f"{number} found in {path.name}"


def test_sandbox_answers_a_retry_after_a_restart_and_stops(tmp_path: Path) -> None:
    k = key()
    gateway = Sandbox(tmp_path).start()
    with gateway.provider() as client:
        first = client.capture(k, 2_500, "JPY", "card", "3530111333300000")
    assert gateway.stop() is not None
    assert not port_open(gateway.port)
    # a new process on the same data directory remembers the key
    again = Sandbox(tmp_path).start()
    try:
        with again.provider() as client:
            assert client.capture(k, 2_500, "JPY", "card", "3530111333300000") == first
    finally:
        again.stop()
    assert again.process is not None and again.process.returncode is not None


def test_an_unreachable_gateway_is_reported_as_unavailable() -> None:
    with (
        HttpSandboxProvider(f"http://127.0.0.1:{free_port()}", timeout=1) as nowhere,
        pytest.raises(ProviderUnavailable),
    ):
        nowhere.capture(key(), 100, "USD", "card", VISA_OK)
