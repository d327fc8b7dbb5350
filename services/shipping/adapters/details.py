"""X4: opening an order's sealed contact e-mail through orders (`POST /privacy/open`), which alone holds
the customer's key. Shipping keeps only the sealed token; once the customer is forgotten the answer
is `erased` and no e-mail is sent."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from shared.runtime.audit.gather import AuditSettings
from shared.runtime.identity import mint

log = logging.getLogger("hallmark.shipping.details")


def open_contact_email(platform: Any, token: dict[str, Any]) -> str | None:
    """The contact e-mail sealed in `token` (None once the customer was forgotten). Raises on a failed
    call, so the mail follower retries later rather than skipping the e-mail."""
    orders = AuditSettings().peers()["orders"]
    bearer = mint(
        platform.jwt_secret,
        platform.jwt_issuer,
        "ops",
        "service:shipping",
        ttl_seconds=60,
        audience=platform.jwt_audience,
    )
    answer = httpx.post(f"{orders}/privacy/open", json=token, headers={"authorization": f"Bearer {bearer}"}, timeout=10)
    answer.raise_for_status()
    opened = answer.json()
    if opened["erased"]:
        log.warning("the customer was forgotten: no contact e-mail", extra={"key_id": token.get("key_id")})
        return None
    email: str | None = (opened["details"] or {}).get("contact_email")
    return email
