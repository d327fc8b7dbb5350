"""Identity: signed JWT bearer tokens carrying a role (X2).

A token is accepted only if it is HS256-signed with the deployment's secret, names its issuer and
audience, was issued (`iat`) no later than now, has not expired, lives no longer than the
deployment's maximum lifetime, and its claims have the right shapes (a non-empty subject, a known
role, `customers` a list of customer ids). Anything else is `InvalidToken` (401), never a crash.

The APIs verify through `VERIFIED`, which remembers a token that passed, by its exact text and the
settings it was checked against, until it expires: a client sends the same token with every request,
and the signature check and claim validation cost more CPU than the rest of a cached GET."""

from __future__ import annotations

import base64
import functools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

import jwt
from jwt.algorithms import HMACAlgorithm
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Role = Literal["customer", "account_manager", "ops", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)
DEV_AUDIENCE = "hallmark-dev"
DEFAULT_TTL_SECONDS = 12 * 3600
Id = Annotated[str, Field(min_length=1, max_length=200)]


class InvalidToken(Exception):
    pass


class Claims(BaseModel):
    """What hallmark reads from a verified token; types are checked strictly."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    sub: Id
    role: Role
    customers: list[Id] = Field(default_factory=list, max_length=10_000)
    iat: int
    exp: int


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
    secret: str,
    issuer: str,
    role: str,
    subject: str,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    customers: tuple[str, ...] = (),
    *,
    audience: str = DEV_AUDIENCE,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role: must be one of {', '.join(ROLES)}")
    if not subject:
        raise ValueError("subject: must not be empty")
    now = int(time.time())
    claims = {"sub": subject, "role": role, "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl_seconds}
    if customers:
        claims["customers"] = list(customers)
    return jwt.encode(claims, _hs256_key(secret), algorithm="HS256")


@functools.lru_cache(maxsize=8)
def _hs256_key(secret: str) -> jwt.PyJWK:
    """The secret as a key PyJWT has prepared, made once per secret: given the plain secret, PyJWT
    prepares it again on every call (a JSON parse attempt and PEM/SSH/DER checks: ~40 % of a verify).
    The same refusals as for the plain secret (empty, or shaped like an asymmetric key): they raise
    here, are not cached, and raise again on the next call."""
    HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret)
    k = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
    return jwt.PyJWK({"kty": "oct", "k": k}, algorithm="HS256")


def verify(
    secret: str,
    issuer: str,
    token: str,
    *,
    audience: str = DEV_AUDIENCE,
    max_ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> Principal:
    return _verified(secret, issuer, token, audience, max_ttl_seconds)[0]


def _verified(secret: str, issuer: str, token: str, audience: str, max_ttl_seconds: int) -> tuple[Principal, int]:
    """The principal and the expiry (`exp`, seconds since the epoch) of a token that passes every check."""
    try:
        raw = jwt.decode(
            token,
            _hs256_key(secret),
            algorithms=["HS256"],
            issuer=issuer,
            audience=audience,
            options={"require": ["sub", "role", "iss", "aud", "iat", "exp"]},
        )
        claims = Claims.model_validate(raw)
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidToken(f"claim {where}: {err['msg']}") from None
    if claims.exp - claims.iat > max_ttl_seconds:
        raise InvalidToken(f"the token lives longer than the {max_ttl_seconds} s allowed")
    return Principal(subject=claims.sub, role=claims.role, customers=tuple(claims.customers)), claims.exp


class VerifiedTokens:
    """Tokens that passed `verify`, by their exact text and the secret, issuer, audience and maximum
    lifetime they passed under, each until its `exp` (PyJWT refuses a token from its `exp` second on;
    this refuses it from that instant). What passed once passes later too until then: the signature and
    the claims are the token's bytes, and `iat`/`nbf` only ever fall further behind. Refusals are not
    remembered (each is checked, and refused, again). At most `size` tokens, the least recently used
    forgotten first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._tokens: OrderedDict[tuple[str, str, str, str, int], tuple[Principal, int]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(
        self,
        secret: str,
        issuer: str,
        token: str,
        *,
        audience: str = DEV_AUDIENCE,
        max_ttl_seconds: int = DEFAULT_TTL_SECONDS,
    ) -> Principal:
        key = (token, secret, issuer, audience, max_ttl_seconds)
        with self._lock:
            known = self._tokens.get(key)
            if known is not None:
                if time.time() < known[1]:
                    self._tokens.move_to_end(key)
                    return known[0]
                del self._tokens[key]
        principal, expires = _verified(secret, issuer, token, audience, max_ttl_seconds)
        with self._lock:
            self._tokens[key] = (principal, expires)
            while len(self._tokens) > self.size:
                self._tokens.popitem(last=False)
        return principal

    def __len__(self) -> int:
        return len(self._tokens)


VERIFIED = VerifiedTokens()
"""The process's tokens verified so far (the APIs' dependencies verify through it)."""
