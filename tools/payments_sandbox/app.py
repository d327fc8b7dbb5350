"""The sandbox gateway: a test-mode card and PayPal gateway over HTTP (test cards in README.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from tools.payments_sandbox.cards import check_digit_matches, network_of, plain_digits
from tools.payments_sandbox.store import SandboxStore

log = logging.getLogger("hallmark.sandbox")

TEST_CARDS = {
    "4111111111111111": "captured",
    "5555555555554444": "captured",
    "3530111333300000": "captured",
    "4000000000000002": "declined",
    "4000000000000119": "slow",
}
PAYPAL_PAYERS = {"paypal-ok": "captured", "paypal-declined": "declined"}

MAX_KEY = 200
"""The longest Idempotency-Key taken."""
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
M = TypeVar("M", bound=BaseModel)


class CaptureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: StrictInt = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    method: Literal["card", "paypal"]
    source: str = Field(min_length=1, max_length=64, description="Card number or PayPal payer id")


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_ref: str = Field(min_length=1, max_length=200)
    amount_minor: StrictInt = Field(gt=0)


@dataclass(frozen=True)
class Decision:
    status: str
    network: str | None = None
    last4: str | None = None
    reason: str | None = None
    slow: bool = False


def decide(method: str, source: str) -> Decision:
    """What the gateway does with a source: test cards and PayPal payers as documented; any other
    well-formed number of a network it takes is captured; other networks are not supported."""
    if method == "paypal":
        outcome = PAYPAL_PAYERS.get(source)
        if outcome is None:
            return Decision("declined", reason="unknown_payer")
        return Decision(outcome, reason=None if outcome == "captured" else "payer_declined")
    digits = plain_digits(source)
    if digits is None or not check_digit_matches(digits):
        return Decision("declined", reason="invalid_number")
    network, last4 = network_of(digits), digits[-4:]
    if network is None or not network.accepted:
        return Decision("declined", network.name if network else None, last4, "card_not_supported")
    if len(digits) not in network.lengths:
        return Decision("declined", reason="invalid_number")
    behaviour = TEST_CARDS.get(digits, "captured")
    if behaviour == "declined":
        return Decision("declined", network.name, last4, "card_declined")
    return Decision("captured", network.name, last4, slow=behaviour == "slow")


class Problem(Exception):
    """An answer other than 200: `{"detail": ...}` with its status."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def create_app(data_dir: Path, slow_seconds: float = 2.0) -> Gateway:
    """The gateway app, keeping its state in `data_dir`; the slow test card answers after `slow_seconds`."""
    return Gateway(SandboxStore(data_dir), slow_seconds)


class Gateway:
    """The gateway as a plain ASGI app: four routes, each answering JSON. A stand-in for the card
    provider should cost the machine little, and a web framework's routing, dependency solving and
    middleware cost it more than the gateway's own work."""

    def __init__(self, store: SandboxStore, slow_seconds: float) -> None:
        self.store = store
        self.slow_seconds = slow_seconds
        self.in_flight: set[tuple[str, str]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        try:
            status, body = 200, await self.route(scope, receive)
        except Problem as exc:
            status, body = exc.status, {"detail": exc.detail}
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def route(self, scope: dict[str, Any], receive: Receive) -> dict[str, Any]:
        method, path = scope["method"], scope["path"]
        if path == "/healthz":
            _allow(method, "GET")
            return {"status": "ok"}  # ready to take requests
        if path == "/v1/captures":
            _allow(method, "POST")
            return await self.capture(_parsed(CaptureCreate, await _body(receive)), _idempotency_key(scope))
        if path == "/v1/refunds":
            _allow(method, "POST")
            return self.refund(_parsed(RefundCreate, await _body(receive)), _idempotency_key(scope))
        ref = path.removeprefix("/v1/captures/")
        if ref != path and ref and "/" not in ref:
            _allow(method, "GET")
            found = self.store.capture(ref)  # network and last four digits, never the number
            if found is None:
                raise Problem(404, f"no capture {ref}")
            return found
        raise Problem(404, "Not Found")

    async def capture(self, body: CaptureCreate, idempotency_key: str) -> dict[str, Any]:
        """Charge a card or a PayPal payer; the same Idempotency-Key returns the first response."""
        decision = decide(body.method, body.source)
        who = body.source if body.method == "paypal" else decision.last4
        fingerprint = json.dumps([body.amount_minor, body.currency, body.method, who])
        replay = _replay(self.store, "capture", idempotency_key, fingerprint)
        if replay is not None:
            return replay
        with _claim(self.in_flight, ("capture", idempotency_key)):
            if decision.slow:
                await asyncio.sleep(self.slow_seconds)
            response = {
                "status": decision.status,
                "provider_ref": f"cap_{uuid.uuid4().hex[:24]}" if decision.status == "captured" else None,
                "amount_minor": body.amount_minor,
                "currency": body.currency,
                "method": body.method,
                "network": decision.network,
                "last4": decision.last4,
                "reason": decision.reason,
            }
            self.store.record_capture(idempotency_key, fingerprint, response)
        log.info(
            "capture %s %s last4=%s ref=%s", decision.status, body.method, decision.last4, response["provider_ref"]
        )
        return response

    def refund(self, body: RefundCreate, idempotency_key: str) -> dict[str, Any]:
        """Give back (part of) a capture, never more than is left; the same Idempotency-Key answers the same."""
        fingerprint = json.dumps([body.provider_ref, body.amount_minor])
        replay = _replay(self.store, "refund", idempotency_key, fingerprint)
        if replay is not None:
            return replay
        captured = self.store.capture(body.provider_ref)
        if captured is None:
            raise Problem(404, f"no capture {body.provider_ref}")
        left = captured["amount_minor"] - captured["refunded_minor"]
        refunded = body.amount_minor <= left
        response = {
            "status": "refunded" if refunded else "refused",
            "refund_ref": f"re_{uuid.uuid4().hex[:24]}" if refunded else None,
            "provider_ref": body.provider_ref,
            "amount_minor": body.amount_minor,
            "reason": None if refunded else "exceeds_captured",
        }
        self.store.record_refund(idempotency_key, fingerprint, response)
        log.info("refund %s %s of %s", response["status"], body.amount_minor, body.provider_ref)
        return response


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise Problem(405, "Method Not Allowed")


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _parsed(model: type[M], body: bytes) -> M:
    """The request body as `model`; else 422 saying what is wrong without echoing the input (which may
    be a card number)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise Problem(422, [{"loc": ["body", *e["loc"]], "msg": e["msg"]} for e in exc.errors()]) from None


def _idempotency_key(scope: dict[str, Any]) -> str:
    """The Idempotency-Key header (1-200 characters; same key, same response)."""
    given = [v for k, v in scope["headers"] if k == b"idempotency-key"]
    if not given:
        msg = "Field required"
    elif not 1 <= len(given[-1]) <= MAX_KEY:
        msg = f"String should have {'at least 1 character' if not given[-1] else f'at most {MAX_KEY} characters'}"
    else:
        return given[-1].decode("latin-1")
    raise Problem(422, [{"loc": ["header", "idempotency-key"], "msg": msg}])


def _replay(store: SandboxStore, kind: str, idempotency_key: str, fingerprint: str) -> dict[str, Any] | None:
    stored = store.response(kind, idempotency_key)
    if stored is None:
        return None
    if stored[0] != fingerprint:
        raise Problem(422, "this Idempotency-Key was used for a different request")
    return stored[1]


@contextmanager
def _claim(in_flight: set[tuple[str, str]], key: tuple[str, str]) -> Iterator[None]:
    if key in in_flight:
        raise Problem(409, "a request with this Idempotency-Key is still in progress")
    in_flight.add(key)
    try:
        yield
    finally:
        in_flight.discard(key)
