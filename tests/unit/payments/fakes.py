"""An in-memory gateway for the payments application's unit tests (the chassis tests use the real
sandbox process): idempotent by key, like the real one, which also remembers keys across all payments
and refuses a key used again for a different request."""

from __future__ import annotations

import threading

from services.payments.adapters.providers import ProviderRejected, ProviderResult, RefundResult


class MemoryGateway:
    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.captures: dict[str, ProviderResult] = {}
        self.charged: dict[str, int] = {}  # idempotency key -> amount asked for, once
        self.refunds: dict[str, RefundResult] = {}
        self.refunded: dict[str, tuple[str, int]] = {}  # idempotency key -> (capture, amount) asked for, once
        self.requests: dict[str, tuple[object, ...]] = {}  # idempotency key -> the request it was first used for
        self.barrier = barrier
        self.lock = threading.Lock()

    def capture(
        self, idempotency_key: str, amount_minor: int, currency: str, method: str, card_token_or_number: str
    ) -> ProviderResult:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        with self.lock:
            self._same_request(idempotency_key, ("capture", amount_minor, currency, method, card_token_or_number))
            if idempotency_key not in self.captures:
                self.charged[idempotency_key] = amount_minor
                declined = card_token_or_number in ("4000000000000002", "paypal-declined")
                self.captures[idempotency_key] = ProviderResult(
                    "declined" if declined else "captured",
                    None if declined else f"cap_{len(self.captures) + 1}",
                    "visa" if method == "card" else None,
                    card_token_or_number[-4:] if method == "card" else None,
                    "card_declined" if declined else None,
                )
            return self.captures[idempotency_key]

    def refund(self, provider_ref: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        with self.lock:
            self._same_request(idempotency_key, ("refund", provider_ref, amount_minor))
            if idempotency_key not in self.refunds:
                self.refunded[idempotency_key] = (provider_ref, amount_minor)
                self.refunds[idempotency_key] = RefundResult("refunded", f"ref_{len(self.refunds) + 1}", amount_minor)
            return self.refunds[idempotency_key]

    def _same_request(self, idempotency_key: str, request: tuple[object, ...]) -> None:
        """The sandbox answers 422 to a key it saw with another request (the adapter raises ProviderRejected)."""
        first = self.requests.setdefault(idempotency_key, request)
        if first != request:
            raise ProviderRejected(f"the gateway refused the request with 422: {idempotency_key!r} was used before")
