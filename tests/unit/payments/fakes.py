"""An in-memory gateway for the payments application's unit tests (the chassis tests use the real
sandbox process): idempotent by key, like the real one."""

from __future__ import annotations

import threading

from services.payments.adapters.providers import ProviderResult, RefundResult


class MemoryGateway:
    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.captures: dict[str, ProviderResult] = {}
        self.charged: dict[str, int] = {}  # idempotency key -> amount asked for, once
        self.refunds: dict[str, RefundResult] = {}
        self.barrier = barrier
        self.lock = threading.Lock()

    def capture(
        self, idempotency_key: str, amount_minor: int, currency: str, method: str, card_token_or_number: str
    ) -> ProviderResult:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        with self.lock:
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
            if idempotency_key not in self.refunds:
                self.refunds[idempotency_key] = RefundResult("refunded", f"ref_{len(self.refunds) + 1}", amount_minor)
            return self.refunds[idempotency_key]
