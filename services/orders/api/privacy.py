"""X4: forgetting a customer (ops) and opening sealed checkout details (ops, e.g. a service's mailer)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.orders.application import OrdersApplication
from shared.events.orders import PersonalDetails
from shared.events.privacy import Sealed
from shared.runtime.http.deps import Ops, RuntimeDep
from shared.runtime.http.problems import problems

router = APIRouter(tags=["privacy"])


class ForgottenPublic(BaseModel):
    customer_id: str
    keys_destroyed: int = Field(description="Destroyed by this call; 0 when already forgotten (or never sealed)")
    forgotten_at: datetime | None = Field(description="When the customer's keys were first destroyed")
    forgotten_by: str | None


class OpenedPublic(BaseModel):
    erased: bool = Field(description="True once the customer was forgotten: the details are gone for good")
    details: PersonalDetails | None


@router.post("/privacy/customers/{customer_id}/forget", response_model=ForgottenPublic, responses=problems(409))
async def forget(customer_id: str, runtime: RuntimeDep, principal: Ops) -> ForgottenPublic:
    """Destroy the customer's data keys: their addresses and e-mail read as `[erased]` everywhere from now
    on (store, archive, topic, replay); amounts and statuses stay. Refused (409) while an order is open."""
    app: OrdersApplication = runtime.app
    done = await asyncio.to_thread(app.forget_customer, customer_id, principal.subject)
    return ForgottenPublic(
        customer_id=done.customer_id,
        keys_destroyed=done.keys_destroyed,
        forgotten_at=done.forgotten_at,
        forgotten_by=done.forgotten_by,
    )


@router.post("/privacy/open", response_model=OpenedPublic)
async def open_sealed(body: Sealed, runtime: RuntimeDep, _: Ops) -> OpenedPublic:
    """The plaintext of an `OrderPlaced.personal` token, for a consumer that must use it (an e-mail)."""
    app: OrdersApplication = runtime.app
    details = await asyncio.to_thread(app.open_details, body.model_dump())
    return OpenedPublic(erased=details is None, details=details)
