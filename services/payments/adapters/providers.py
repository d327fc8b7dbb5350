"""The payment provider port, and its HTTP adapter for the sandbox gateway (tools/payments_sandbox)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

MAX_KEY_LENGTH = 200
"""The longest Idempotency-Key the gateway takes."""


def provider_key(order_id: str, purpose: str, idempotency_key: str) -> str:
    """The key a capture is sent to the gateway with: the client's key scoped by its payment (order and
    purpose). The gateway remembers keys across all payments, so the same client key on two payments
    (the goods, then the shipping) must not collide there, while a retry of one capture sends the same
    key again (P4). A scoped key longer than the gateway takes is sent as its SHA-256 digest."""
    scoped = f"{order_id}:{purpose}:{idempotency_key}"
    if len(scoped) <= MAX_KEY_LENGTH:
        return scoped
    return "sha256:" + hashlib.sha256(scoped.encode()).hexdigest()


@dataclass(frozen=True)
class ProviderResult:
    """What the gateway did with a capture: only the network and last four digits of a card come back."""

    status: Literal["captured", "declined"]
    provider_ref: str | None
    network: str | None
    last4: str | None
    reason: str | None = None


@dataclass(frozen=True)
class RefundResult:
    """What the gateway did with a refund of a capture."""

    status: Literal["refunded", "refused"]
    refund_ref: str | None
    amount_minor: int
    reason: str | None = None


class ProviderError(Exception):
    """The gateway could not be asked, or refused the request itself."""


class ProviderTimeout(ProviderError):
    """No answer in time: the outcome is unknown; retry with the same idempotency key (P4)."""


class ProviderUnavailable(ProviderError):
    """Unreachable, failing, or busy with the same key: retry later with the same idempotency key."""


class ProviderRejected(ProviderError):
    """The gateway refused the request as malformed (e.g. an idempotency key reused for another request)."""


class PaymentProvider(Protocol):
    """A card and PayPal gateway: captures and refunds, each idempotent by key."""

    def capture(
        self, idempotency_key: str, amount_minor: int, currency: str, method: str, card_token_or_number: str
    ) -> ProviderResult:
        """Charge `amount_minor`; the same key always returns the first result and never charges twice."""
        ...

    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Give back (part of) a capture; the same key never refunds twice."""
        ...


class HttpSandboxProvider:
    """PaymentProvider over HTTP, speaking the sandbox gateway's /v1 API (sync httpx client)."""

    def __init__(self, base_url: str, timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def capture(
        self, idempotency_key: str, amount_minor: int, currency: str, method: str, card_token_or_number: str
    ) -> ProviderResult:
        """POST /v1/captures with the Idempotency-Key header."""
        body = {"amount_minor": amount_minor, "currency": currency, "method": method, "source": card_token_or_number}
        data = self._post("/v1/captures", body, idempotency_key)
        return ProviderResult(
            status=data["status"],
            provider_ref=data.get("provider_ref"),
            network=data.get("network"),
            last4=data.get("last4"),
            reason=data.get("reason"),
        )

    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """POST /v1/refunds with the Idempotency-Key header; an unknown capture is a refused refund."""
        body = {"provider_ref": provider_ref, "amount_minor": amount_minor}
        data = self._post("/v1/refunds", body, idempotency_key, not_found_ok=True)
        if data is None:
            return RefundResult(status="refused", refund_ref=None, amount_minor=amount_minor, reason="unknown_capture")
        return RefundResult(
            status=data["status"],
            refund_ref=data.get("refund_ref"),
            amount_minor=data.get("amount_minor", amount_minor),
            reason=data.get("reason"),
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> HttpSandboxProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str, not_found_ok: bool = False) -> Any:
        try:
            response = self._client.post(path, json=body, headers={"Idempotency-Key": idempotency_key})
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"the gateway did not answer {path} in time") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"the gateway could not be reached for {path}: {exc}") from exc
        if response.status_code == 200:
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict) or "status" not in data:
                raise ProviderUnavailable(f"the gateway answered {path} with something unreadable")
            return data
        if not_found_ok and response.status_code == 404:
            return None
        detail = _detail(response)
        if response.status_code == 409 or response.status_code >= 500:
            raise ProviderUnavailable(f"the gateway answered {path} with {response.status_code}: {detail}")
        raise ProviderRejected(f"the gateway refused {path} with {response.status_code}: {detail}")


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text
    return str(data.get("detail", data)) if isinstance(data, dict) else str(data)
