"""Payment vouchers over HTTP (P2): the customer uploads the proof of a bank transfer; the payer, their
account manager, ops and auditors read it back.

An upload is refused before its body is read when the Content-Length is over the limit, when the
caller may not act on the payment, or when the payment takes no voucher (card, PayPal); the body is
read in memory, stopping at the limit (413), and never written anywhere unless accepted."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Request, Response

from services.payments.api.models import PaymentPublic, Purpose
from services.payments.api.routes import Customer, own_payment, payments_app
from services.payments.application import PaymentsApplication
from shared.runtime.http.deps import PrincipalDep, RuntimeDep
from shared.runtime.http.problems import problems
from shared.runtime.http.uploads import ENVELOPE_BYTES, file_part, multipart_body, read_limited, refuse_declared_size
from shared.runtime.identity import Principal

router = APIRouter(tags=["payments"])
FIELD = "file"
BODY = multipart_body(FIELD, "The voucher: a PDF, JPEG or PNG file (its type is read from its bytes)")
STATUSES = problems(403, 404, 409, 413)
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=8,
        max_length=128,
        description="Optional: a retried upload with the same key records nothing more (the same bytes never do)",
    ),
]


@router.post("/payments/{order_id}/voucher", response_model=PaymentPublic, responses=STATUSES, openapi_extra=BODY)
async def upload_voucher(
    order_id: str, request: Request, runtime: RuntimeDep, customer: Customer, idempotency_key: IdempotencyKey = None
) -> PaymentPublic:
    """Bank transfer: upload the payment voucher for the goods (PDF, JPEG or PNG, at most
    PAYMENTS_VOUCHER_MAX_BYTES, 10 MiB by default); the order confirms in advance."""
    return await _voucher(payments_app(runtime), request, order_id, "goods", customer, idempotency_key)


@router.post(
    "/payments/{order_id}/{purpose}/voucher", response_model=PaymentPublic, responses=STATUSES, openapi_extra=BODY
)
async def upload_voucher_for(
    order_id: str,
    purpose: Purpose,
    request: Request,
    runtime: RuntimeDep,
    customer: Customer,
    idempotency_key: IdempotencyKey = None,
) -> PaymentPublic:
    """Bank transfer: upload the payment voucher for the goods, the sample fee or the shipping (P2, P7;
    PDF, JPEG or PNG, at most PAYMENTS_VOUCHER_MAX_BYTES); that payment is confirmed in advance and
    settles later."""
    return await _voucher(payments_app(runtime), request, order_id, purpose, customer, idempotency_key)


async def _voucher(
    app: PaymentsApplication, request: Request, order_id: str, purpose: str, customer: Principal, key: str | None
) -> PaymentPublic:
    limit = app.voucher_max_bytes
    body_limit = limit + ENVELOPE_BYTES
    refuse_declared_size(request, body_limit, FIELD, "P2")  # before anything is read
    payment = await own_payment(app, order_id, purpose, customer)
    payment.check_takes_voucher()  # a card or PayPal payment: 422 before the body is read
    part = file_part(await read_limited(request, body_limit, FIELD, "P2"), request.headers.get("content-type"), FIELD)
    if len(part.data) > limit:
        raise HTTPException(413, [{"field": FIELD, "rule": "P2", "message": f"a voucher may be at most {limit} bytes"}])
    return PaymentPublic.of(await asyncio.to_thread(app.upload_voucher, order_id, part.data, purpose, key))


@router.get(
    "/payments/{order_id}/{purpose}/vouchers/{index}",
    response_class=Response,
    responses={
        200: {"description": "The voucher", "content": {t: {} for t in ("application/pdf", "image/jpeg", "image/png")}},
        **problems(403, 404),
    },
)
async def voucher_file(
    order_id: str,
    purpose: Purpose,
    index: Annotated[int, Path(ge=0, le=10_000, description="0: the first voucher uploaded")],
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    """A voucher as it was uploaded (its type as read from its bytes): the payer, their account
    manager, ops and auditors (X2)."""
    app = payments_app(runtime)
    await own_payment(app, order_id, purpose, principal)
    found = await asyncio.to_thread(app.voucher_file, order_id, purpose, index)
    return Response(found.data, media_type=found.content_type)
