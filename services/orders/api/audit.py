"""Auditors' views of one order (auditor or ops; read-only, X2): its trail across the five services, its
status and cancellation terms at any instant with the events that justify each figure (O4, O5), and the
timeline page that shows both."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from services.orders.api.models import TermsPublic
from services.orders.application import OrdersApplication
from services.orders.domain.cancellation import POLICIES
from shared.runtime.audit.gather import gather_trail, peer_client
from shared.runtime.audit.published import history
from shared.runtime.audit.timeline import render
from shared.runtime.http.deps import Auditor, RuntimeDep, authenticate, aware
from shared.runtime.http.problems import problems
from shared.runtime.service import Runtime

router = APIRouter(prefix="/audit/orders", tags=["audit"])

FIGURES: dict[str, tuple[str, ...]] = {
    "Placed": ("placed_at", "total", "status"),
    "Confirmed": ("confirmed_at", "paid", "status", "policy"),
    "ItemsReduced": ("total", "paid"),
    "Changed": ("total",),
    "OverpaymentRecorded": ("paid",),
    "RefundRecorded": ("refunds",),
    "Cancelled": ("status",),
    "ProcessingStarted": ("status",),
    "ShippingQuoted": ("status",),
    "Dispatched": ("status",),
    "Delivered": ("status",),
    "Completed": ("status",),
}
"""Which figures of the terms each kind of order event moves (by its internal name)."""


@router.get("/{order_id}/trail", responses=problems(404))
async def trail(order_id: uuid.UUID, request: Request, runtime: RuntimeDep, _: Auditor) -> dict[str, Any]:
    """Every event of the order from all five services, merged by time, with service, correlation and
    causation id and the event that caused each; gaps (an effect with no cause, a cause with no
    expected effect after its SLA, a service that did not answer) are flagged."""
    app: OrdersApplication = runtime.app
    await asyncio.to_thread(app.get_order, order_id)  # 404 for an order orders never had
    authorization = request.headers.get("authorization", "")
    return await gather_trail(runtime, str(order_id), authorization, client=peer_client(request.app.state))


@router.get("/{order_id}/terms", responses=problems(404))
async def terms(
    order_id: uuid.UUID,
    runtime: RuntimeDep,
    _: Auditor,
    at: Annotated[datetime, Query(description="the instant (ISO 8601 with a time zone)")],
) -> dict[str, Any]:
    """O4/O5 at `at`: status and cancellation terms, the fee policy and its parameters, and for each
    figure the events (under their published names) that justify it."""
    app: OrdersApplication = runtime.app
    when = aware(at, "at")
    quoted = await asyncio.to_thread(app.cancellation_terms, order_id, when)
    events = await asyncio.to_thread(history, app, runtime.name, runtime.spec.translate, order_id, when)
    policy = POLICIES[quoted.policy_version]
    justification: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        for figure in FIGURES.get(event["internal_type"].rsplit(".", 1)[-1], ()):
            justification.setdefault(figure, []).append(_cite(event))
    return {
        "order_id": str(order_id),
        "at": when.isoformat(),
        "terms": TermsPublic.of(quoted).model_dump(mode="json"),
        "policy": {
            "version": policy.version,
            "free_for_hours": policy.free_for.total_seconds() / 3600,
            "refused_after_hours": policy.refused_after.total_seconds() / 3600,
            "fee_percent": policy.fee_percent,
        },
        "justification": justification,
        "events": [_cite(e) for e in events],
    }


@router.get(
    "/{order_id}/timeline",
    response_class=HTMLResponse,
    responses=problems(403, 404),
    # the same bearer token and roles as the other audit views (also accepted as `?token=`)
    openapi_extra={"security": [{"HTTPBearer": []}], "x-roles": ["auditor", "ops"]},
)
async def timeline(
    order_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str | None, Query(description="the bearer token, for a browser (else the header)")] = None,
) -> HTMLResponse:
    """A page: one lane per service, events as marks, arrows from causes to effects, a slider for "as of"
    with the terms at that instant. Self-contained (no CDN): it works offline."""
    authorization = request.headers.get("authorization") or (f"Bearer {token}" if token else "")
    _auditor_or_ops(runtime, authorization)
    app: OrdersApplication = runtime.app
    order = await asyncio.to_thread(app.get_order, order_id)
    trail = await gather_trail(runtime, str(order_id), authorization, client=peer_client(request.app.state))
    instants = {datetime.fromisoformat(e["occurred_at"].replace("Z", "+00:00")) for e in trail["events"]}
    policy = POLICIES[order.policy_version or app.policy_version]
    instants |= {order.placed_at + policy.free_for, order.placed_at + policy.refused_after, runtime.clock.now()}
    now = runtime.clock.now()

    def stops() -> list[dict[str, Any]]:
        return [
            {
                "at": at.isoformat(),
                "terms": TermsPublic.of(app.cancellation_terms(order_id, at)).model_dump(mode="json"),
            }
            for at in sorted(i for i in instants if i <= now)
        ]

    return HTMLResponse(render(trail, await asyncio.to_thread(stops)))


def _auditor_or_ops(runtime: Runtime[Any], authorization: str) -> None:
    scheme, _, credentials = authorization.partition(" ")
    principal = authenticate(runtime, scheme, credentials)
    if principal.role not in ("auditor", "ops"):
        raise HTTPException(403, f"role: {principal.role} may not do this (needs auditor or ops)")


def _cite(event: dict[str, Any]) -> dict[str, Any]:
    keep = ("event_type", "schema_version", "published", "event_id", "version", "occurred_at", "internal_type")
    cited = {k: event[k] for k in keep if k in event}
    cited["facts"] = event.get("payload", event.get("data"))
    return cited
