"""S3: the carriers' tracking webhook. Signed (HMAC-SHA256 over timestamp and raw body) with the
carrier's secret; anything unsigned, badly signed or stale is refused before it is read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import ValidationError

from services.shipping.adapters.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from services.shipping.api.models import TrackingUpdateCreate
from services.shipping.application import ShippingApplication
from services.shipping.domain.errors import InvalidTrackingUpdate
from services.shipping.domain.tracking import tracking_problem
from shared.runtime.http.deps import RuntimeDep
from shared.runtime.http.problems import problems

router = APIRouter(tags=["carriers"])


@router.post("/carriers/{carrier}/webhook", responses=problems(401, 404, 409))
async def carrier_webhook(carrier: str, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """A carrier reports a parcel's progress; a repeated update id is acknowledged and ignored."""
    app: ShippingApplication = runtime.app
    secret = app.webhook_secrets.get(carrier)
    if secret is None:
        raise HTTPException(404, [{"field": "carrier", "rule": "S3", "message": f"no carrier {carrier!r}"}])
    body = await request.body()
    now = app.clock.now()
    headers = request.headers
    verify(secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), body, now, app.replay_window_seconds)
    try:
        update = TrackingUpdateCreate.model_validate_json(body)
    except ValidationError as exc:
        found = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "rule": "X3", "message": e["msg"]}
            for e in exc.errors()
        ]
        raise HTTPException(422, found) from None
    if update.at.tzinfo is None:
        raise InvalidTrackingUpdate("include a time zone, e.g. Z", field="at", rule="X3")
    if update.at > now + timedelta(seconds=app.replay_window_seconds):
        raise InvalidTrackingUpdate(f"{update.at.isoformat()} is in the future", field="at", rule="S3")
    problem = tracking_problem(carrier, update.tracking_number)
    if problem:
        raise InvalidTrackingUpdate(problem, field="tracking_number", rule="S3")
    shipment, applied = await asyncio.to_thread(app.track, carrier, update.model_dump())
    return {"applied": applied, "tracking_number": update.tracking_number, "state": shipment.tracking_state}
