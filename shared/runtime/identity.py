"""Identity: signed JWT bearer tokens carrying a role (X2)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

import jwt

Role = Literal["customer", "account_manager", "ops", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    customers: tuple[str, ...] = ()
    """For an account manager: the customers they look after."""

    def may_see_customer(self, customer_id: str) -> bool:
        if self.role in ("ops", "auditor"):
            return True
        if self.role == "account_manager":
            return customer_id in self.customers
        return self.subject == customer_id


def mint(
    secret: str, issuer: str, role: str, subject: str, ttl_seconds: int = 12 * 3600, customers: tuple[str, ...] = ()
) -> str:
    if role not in ROLES:
        raise ValueError(f"role: must be one of {', '.join(ROLES)}")
    if not subject:
        raise ValueError("subject: must not be empty")
    now = int(time.time())
    claims = {"sub": subject, "role": role, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    if customers:
        claims["customers"] = list(customers)
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: str, issuer: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=issuer, options={"require": ["sub", "role", "exp", "iss"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("role claim is not a known role")
    return Principal(subject=str(claims["sub"]), role=cast(Role, role), customers=tuple(claims.get("customers", ())))
