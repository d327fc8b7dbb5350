"""The sandbox carrier: ops or a test ask it to report a parcel's progress; it sends the update to
shipping's webhook signed as the carrier would (HMAC-SHA256 over `<timestamp>.<raw body>`).

It signs on its own (it imports nothing of the shipping service), so a test through it checks the
signature scheme from the outside."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("hallmark.carrier_sandbox")
CARRIER_BY_PREFIX = {"JD": "DHL", "FX": "FedEx"}


class Clock(Protocol):
    def now(self) -> datetime: ...


class UpdateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["in_transit", "held_at_customs", "cleared", "out_for_delivery", "delivered"]
    location: str | None = Field(default=None, max_length=200)
    signed_by: str | None = Field(default=None, max_length=200, description="who signed (delivered)")
    at: datetime | None = Field(default=None, description="scan time; default now")
    signing: Literal["valid", "none", "wrong_secret"] = Field(
        default="valid", description="test a refusal: send unsigned or signed with a wrong secret"
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def create_app(
    shipping_url: str, secrets: dict[str, str], clock: Clock, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The sandbox carrier, reporting to `shipping_url` with each carrier's secret."""
    sent: dict[str, tuple[bytes, dict[str, str]]] = {}
    client = httpx.AsyncClient(base_url=shipping_url, transport=transport, timeout=10)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(title="Hallmark sandbox carrier", lifespan=lifespan)

    def carrier_of(tracking_number: str) -> str:
        carrier = CARRIER_BY_PREFIX.get(tracking_number[:2])
        if carrier is None or carrier not in secrets:
            raise HTTPException(422, f"tracking_number: no carrier here for {tracking_number!r}")
        return carrier

    async def deliver(carrier: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        response = await client.post(f"/carriers/{carrier}/webhook", content=body, headers=headers)
        try:
            answer: Any = response.json()
        except ValueError:
            answer = response.text
        log.info("update sent to shipping: %s %s", response.status_code, body.decode())
        return {"shipping_status": response.status_code, "shipping_response": answer}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Ready to take requests."""
        return {"status": "ok"}

    @app.post("/v1/parcels/{tracking_number}/events")
    async def report(tracking_number: str, body: UpdateCreate) -> dict[str, Any]:
        """Send one signed update about a parcel to shipping; answers with what shipping said."""
        carrier = carrier_of(tracking_number)
        now = clock.now()
        update = {
            "update_id": f"{carrier.lower()}-{uuid.uuid4().hex[:16]}",
            "tracking_number": tracking_number,
            "status": body.status,
            "at": (body.at or now).isoformat(),
            "location": body.location,
            "signed_by": body.signed_by,
        }
        raw = json.dumps(update).encode()
        timestamp = str(int(now.timestamp()))
        headers = {"content-type": "application/json", "X-Carrier-Timestamp": timestamp}
        if body.signing != "none":
            secret = secrets[carrier] if body.signing == "valid" else "not-the-" + secrets[carrier]
            headers["X-Carrier-Signature"] = signature(secret, timestamp, raw)
        sent[tracking_number] = (raw, headers)
        return {"carrier": carrier, "update": update, **await deliver(carrier, raw, headers)}

    @app.post("/v1/parcels/{tracking_number}/replay")
    async def replay(tracking_number: str) -> dict[str, Any]:
        """Send the last call about the parcel again, byte for byte (as a retry or an attacker would)."""
        if tracking_number not in sent:
            raise HTTPException(404, f"tracking_number: nothing sent yet for {tracking_number}")
        raw, headers = sent[tracking_number]
        return {"carrier": carrier_of(tracking_number), **await deliver(carrier_of(tracking_number), raw, headers)}

    return app
