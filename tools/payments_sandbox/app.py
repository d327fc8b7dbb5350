"""The sandbox gateway: a test-mode card and PayPal gateway over HTTP (test cards in README.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt

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

IdempotencyKey = Annotated[str, Header(min_length=1, max_length=200, description="Same key, same response")]


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


def create_app(data_dir: Path, slow_seconds: float = 2.0) -> FastAPI:
    """The gateway app, keeping its state in `data_dir`; the slow test card answers after `slow_seconds`."""
    store = SandboxStore(data_dir)
    in_flight: set[tuple[str, str]] = set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="Hallmark payments sandbox gateway", lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        """Report what is wrong without echoing the input (which may be a card number)."""
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Ready to take requests."""
        return {"status": "ok"}

    @app.post("/v1/captures")
    async def capture(body: CaptureCreate, idempotency_key: IdempotencyKey) -> dict[str, Any]:
        """Charge a card or a PayPal payer; the same Idempotency-Key returns the first response."""
        decision = decide(body.method, body.source)
        who = body.source if body.method == "paypal" else decision.last4
        fingerprint = json.dumps([body.amount_minor, body.currency, body.method, who])
        replay = _replay(store, "capture", idempotency_key, fingerprint)
        if replay is not None:
            return replay
        with _claim(in_flight, ("capture", idempotency_key)):
            if decision.slow:
                await asyncio.sleep(slow_seconds)
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
            store.record_capture(idempotency_key, fingerprint, response)
        log.info(
            "capture %s %s last4=%s ref=%s", decision.status, body.method, decision.last4, response["provider_ref"]
        )
        return response

    @app.post("/v1/refunds")
    async def refund(body: RefundCreate, idempotency_key: IdempotencyKey) -> dict[str, Any]:
        """Give back (part of) a capture, never more than is left; the same Idempotency-Key answers the same."""
        fingerprint = json.dumps([body.provider_ref, body.amount_minor])
        replay = _replay(store, "refund", idempotency_key, fingerprint)
        if replay is not None:
            return replay
        captured = store.capture(body.provider_ref)
        if captured is None:
            raise HTTPException(404, f"no capture {body.provider_ref}")
        left = captured["amount_minor"] - captured["refunded_minor"]
        refunded = body.amount_minor <= left
        response = {
            "status": "refunded" if refunded else "refused",
            "refund_ref": f"re_{uuid.uuid4().hex[:24]}" if refunded else None,
            "provider_ref": body.provider_ref,
            "amount_minor": body.amount_minor,
            "reason": None if refunded else "exceeds_captured",
        }
        store.record_refund(idempotency_key, fingerprint, response)
        log.info("refund %s %s of %s", response["status"], body.amount_minor, body.provider_ref)
        return response

    @app.get("/v1/captures/{provider_ref}")
    async def get_capture(provider_ref: str) -> dict[str, Any]:
        """A capture as the gateway keeps it: network and last four digits, never the number."""
        found = store.capture(provider_ref)
        if found is None:
            raise HTTPException(404, f"no capture {provider_ref}")
        return found

    return app


def _replay(store: SandboxStore, kind: str, idempotency_key: str, fingerprint: str) -> dict[str, Any] | None:
    stored = store.response(kind, idempotency_key)
    if stored is None:
        return None
    if stored[0] != fingerprint:
        raise HTTPException(422, "this Idempotency-Key was used for a different request")
    return stored[1]


@contextmanager
def _claim(in_flight: set[tuple[str, str]], key: tuple[str, str]) -> Iterator[None]:
    if key in in_flight:
        raise HTTPException(409, "a request with this Idempotency-Key is still in progress")
    in_flight.add(key)
    try:
        yield
    finally:
        in_flight.discard(key)
