"""Tickets HTTP API: customers open tickets and write; staff reply and resolve; ops see the queue
and missed deadlines; auditors read the history (plus the chassis' health, metrics, admin)."""

from __future__ import annotations

from services.tickets.api import customers, staff
from services.tickets.bootstrap import bootstrap
from services.tickets.domain.errors import (
    ClaimWindowClosed,
    InvalidClaim,
    NotEligible,
    NothingToRefund,
    NotYours,
    PhotoRefused,
    TicketNotFound,
    TransitionRefused,
)
from shared.runtime.http.app import service_app

ERRORS: dict[type[Exception], int] = {
    TicketNotFound: 404,
    NotYours: 403,
    NotEligible: 409,
    ClaimWindowClosed: 409,
    TransitionRefused: 409,
    NothingToRefund: 409,
    InvalidClaim: 422,
    PhotoRefused: 422,
}

create_app = service_app(
    bootstrap,
    [customers.router, staff.router],
    ERRORS,
    title="Hallmark tickets",
    description="After-sale tickets: opening after receipt, replies within working hours, automatic "
    "closing, outcomes and refunds.",
)
