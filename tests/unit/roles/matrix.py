"""The role matrix, generated from each service's OpenAPI: every operation x ten callers, with the
status each one must get (X2).

Callers: no token, an expired one, a bad signature, `alg: none`; customer A (`cust-1`, who owns
the world's things) and customer B; A's account manager and another one; ops; an auditor.
Expected, in this order: a public operation answers every caller alike; a bad token is 401; a
role the operation does not admit (`x-roles`) is 403; B's side on an operation about A's things
(a path naming A's order, ticket, hold or customer id) is 403 or 404; anyone else gets the
operation's success status, unless `EXPECTED` says what the rules answer instead."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings

BAD_TOKENS = ("none", "expired", "bad_signature", "alg_none")
CALLERS = (*BAD_TOKENS, "customer_a", "customer_b", "manager_a", "manager_b", "ops", "auditor")
B_SIDE = ("customer_b", "manager_b")
OWNED = ("order_id", "ticket_id", "hold_id", "customer_id", "photo_id")
"""Path parameters that name something of A's."""
NEEDS_DATABASE = {
    ("GET", "/admin/positions"),
    ("GET", "/admin/dlq"),
    ("POST", "/admin/dlq/{letter_id}/retry"),
    ("POST", "/admin/dlq/{letter_id}/skip"),
    ("GET", "/admin/timers"),
}
"""Chassis operations that read PostgreSQL itself: their admitted callers are checked on a real
database (tests/chassis/test_admin_roles.py); here only their refusals."""
AUDIT_READS = {
    ("GET", "/audit/verify"),
    ("GET", "/audit/log"),
    ("GET", "/audit/log/summary"),
    ("GET", "/audit/orders/{order_id}/events"),
    ("GET", "/audit/orders/{order_id}/terms"),
    ("GET", "/audit/orders/{order_id}/trail"),
    ("GET", "/audit/orders/{order_id}/timeline"),
}
"""Audit views that read the chain, the archive or the topic: their admitted callers (auditor, ops) are
checked on real PostgreSQL and Kafka by tests/chassis/test_audit_*.py and tests/integration; here only
their refusals."""

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # B's own cart has nothing of A's: B changes or removes an item not in it, checks out an empty cart (O1)
    ("PUT", "/carts/mine/items/{sku}"): {"customer_b": 404},
    ("DELETE", "/carts/mine/items/{sku}"): {"customer_b": 404},
    ("POST", "/carts/mine/checkout"): {"customer_b": 422},
    ("POST", "/orders/{order_id}/cancel"): {"auditor": 403},  # auditors read, they do not change
    ("DELETE", "/holds/{hold_id}"): {"customer_b": 404},  # B has no such hold
    ("POST", "/picking/{order_id}/finish"): {"ops": 409},  # picking has not started (I4)
    # A's order is paid by card: no voucher, no settlement by transfer, nothing awaited from the deposit (P2, P3)
    ("POST", "/payments/{order_id}/voucher"): {"customer_a": 422},
    ("POST", "/payments/{order_id}/{purpose}/voucher"): {"customer_a": 422},
    ("GET", "/payments/{order_id}/{purpose}/vouchers/{index}"): dict.fromkeys(
        ("customer_a", "manager_a", "ops", "auditor"), 404
    ),
    ("POST", "/payments/{order_id}/settle"): {"manager_a": 422, "ops": 422},
    ("POST", "/payments/{order_id}/{purpose}/deposit"): {"customer_a": 404},
    ("GET", "/deposits/{customer_id}"): {"customer_a": 403},  # a customer reads /deposits/mine
    ("POST", "/admin/reviews/{order_id}"): {"ops": 409},  # not drawn for review (P5)
    ("POST", "/shipments/{order_id}/receipt"): {"customer_a": 409},  # not delivered yet (S4)
    ("POST", "/shipments/{order_id}/carrier"): {"manager_a": 409, "ops": 409},  # paid: the carrier is fixed
    ("POST", "/tickets"): {"customer_b": 403},  # B may not open a ticket on A's order (X2)
}
"""(METHOD, path) -> {caller: status} where the rules answer something else than success."""


def headers(caller: str, platform: PlatformSettings) -> dict[str, str]:
    secret, issuer = platform.jwt_secret, platform.jwt_issuer
    now = int(time.time())
    if caller == "none":
        return {}
    if caller == "expired":
        claims = {"sub": "ops-1", "role": "ops", "iss": issuer, "aud": platform.jwt_audience}
        token = jwt.encode({**claims, "iat": now - 99, "exp": now - 9}, secret, algorithm="HS256")
    elif caller == "bad_signature":
        token = mint(secret + "-not", issuer, "ops", "ops-1", audience=platform.jwt_audience)
    elif caller == "alg_none":
        claims = {"sub": "ops-1", "role": "ops", "iss": issuer, "aud": platform.jwt_audience}
        token = jwt.encode({**claims, "iat": now, "exp": now + 60}, "", algorithm="none")
    else:
        role, subject, customers = {
            "customer_a": ("customer", "cust-1", ()),
            "customer_b": ("customer", "cust-2", ()),
            "manager_a": ("account_manager", "am-1", ("cust-1",)),
            "manager_b": ("account_manager", "am-2", ("cust-2",)),
            "ops": ("ops", "ops-1", ()),
            "auditor": ("auditor", "aud-1", ()),
        }[caller]
        token = mint(secret, issuer, role, subject, customers=customers, audience=platform.jwt_audience)
    return {"authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def secured(self) -> bool:
        return bool(self.spec.get("security"))

    @property
    def roles(self) -> tuple[str, ...] | None:
        roles = self.spec.get("x-roles")
        return tuple(roles) if roles is not None else None

    @property
    def about_a(self) -> bool:
        return any(f"{{{name}}}" in self.path for name in OWNED)

    @property
    def success(self) -> int:
        return min(int(s) for s in self.spec["responses"] if s.startswith("2"))

    @property
    def documented(self) -> set[int]:
        return {int(s) for s in self.spec["responses"]}

    @property
    def mutates(self) -> bool:
        return self.method != "GET"


ROLE_OF = {
    "customer_a": "customer",
    "customer_b": "customer",
    "manager_a": "account_manager",
    "manager_b": "account_manager",
    "ops": "ops",
    "auditor": "auditor",
}


def expected(op: Operation, caller: str) -> int | None:
    """The status `caller` must get; None for a public operation (every caller alike)."""
    if not op.secured:
        return None
    if caller in BAD_TOKENS:
        return 401
    if op.roles is not None and ROLE_OF[caller] not in op.roles:
        return 403
    special = EXPECTED.get(op.key, {})
    if caller in special:
        return special[caller]
    if caller in B_SIDE and op.about_a:
        return 403
    return op.success


def denied(op: Operation, caller: str) -> bool:
    """The caller is refused before the operation runs (bad token, role not admitted)."""
    return op.secured and (caller in BAD_TOKENS or (op.roles is not None and ROLE_OF[caller] not in op.roles))
