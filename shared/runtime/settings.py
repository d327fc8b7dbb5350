"""Typed settings: platform-wide values (no prefix) and one class per service (with a prefix)."""

from __future__ import annotations

import math
import os
import secrets
import time
import zlib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.calendar import BusinessCalendar, parse_holidays, parse_workdays

DEV_JWT_AUDIENCE = "hallmark-dev"
MIN_SECRET_BITS = 256
"""Production's JWT_SECRET carries at least 32 random bytes (see `secret_bits`)."""


def hallmark_home() -> Path:
    """Where a checkout keeps its local state: HALLMARK_HOME, default `.hallmark/` in the checkout."""
    return Path(os.environ.get("HALLMARK_HOME") or Path(__file__).resolve().parents[2] / ".hallmark")


def dev_jwt_secret(home: Path | None = None) -> str:
    """The checkout's development JWT secret: 32 random bytes made on first use and kept in
    `<HALLMARK_HOME>/dev-jwt-secret` (mode 600), so the launcher, its `token` command and every
    service of the checkout agree without a secret in the code. Never used in production."""
    path = (home or hallmark_home()) / "dev-jwt-secret"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ValueError(f"JWT_SECRET is not set and the development secret {path} cannot be made: {exc}") from exc
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    for _ in range(50):  # another process may be writing it this instant
        secret = path.read_text().strip()
        if secret:
            return secret
        time.sleep(0.01)
    raise ValueError(f"the development secret {path} is empty: remove it")


def secret_bits(secret: str) -> int:
    """A cautious estimate of the randomness in `secret`, in bits: its length times what one
    character of its alphabet can carry (hex 4, base64 6, other printable 6.5), and no more than
    what is left after compressing it (a repetitive secret compresses)."""
    if not secret:
        return 0
    if all(c in "0123456789abcdefABCDEF" for c in secret):
        per_char = 4.0
    elif all(c.isascii() and (c.isalnum() or c in "+/=-_") for c in secret):
        per_char = 6.0
    else:
        per_char = math.log2(95)
    compressed = len(zlib.compress(secret.encode(), 9)) - 8  # zlib's header and checksum
    return int(min(len(secret) * per_char, compressed * 8))


class PlatformSettings(BaseSettings):
    """Shared by every service; read from unprefixed environment variables."""

    model_config = SettingsConfigDict(extra="ignore")

    hallmark_env: Literal["development", "test", "production"] = "development"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5433/postgres",
        description="Server URL; each service uses its own database on it",
    )
    clock: Literal["system", "manual"] = "system"
    clock_file: str | None = None
    jwt_secret: str = Field(
        default="",
        repr=False,
        description="HS256 key; production: at least 32 random bytes. Unset in development: the "
        "checkout's own, generated under HALLMARK_HOME (dev_jwt_secret)",
    )
    jwt_issuer: str = "hallmark"
    jwt_audience: str = Field(
        default=DEV_JWT_AUDIENCE, min_length=1, description="Tokens must name this deployment (production: its own)"
    )
    jwt_max_ttl_seconds: int = Field(
        default=12 * 3600, gt=0, le=7 * 86400, description="Longest lifetime (exp - iat) a token may have"
    )
    log_level: str = "INFO"
    log_repeat_seconds: float = Field(
        default=10.0,
        ge=0,
        description="A repeated warning (same logger, same message) is logged once in this time; 0: all",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    faults: str = Field(default="", description="Comma-separated fault hooks (tests only)")
    shop_timezone: str = Field(default="UTC", description="The shop's time zone (IANA name), for business days")
    shop_workdays: str = Field(default="0,1,2,3,4", description="Working weekdays, Monday = 0 (S3, T3)")
    shop_holidays: str = Field(default="", description="Holidays, comma-separated ISO dates (S3, T3)")
    namespace: str = Field(
        default="",
        pattern=r"^[a-z0-9_]*$",
        description="Isolates a deployment on shared infrastructure: prefixes topics, consumer "
        "groups and database names (tests use one per test)",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_in_production(self) -> PlatformSettings:
        if self.hallmark_env == "production":
            if self.clock == "manual":
                raise ValueError("CLOCK=manual is refused when HALLMARK_ENV=production")
            if not self.jwt_secret:
                raise ValueError("JWT_SECRET must be set when HALLMARK_ENV=production")
            if secret_bits(self.jwt_secret) < MIN_SECRET_BITS:
                raise ValueError(
                    "JWT_SECRET must be at least 32 random bytes when HALLMARK_ENV=production (this one carries "
                    f"about {secret_bits(self.jwt_secret)} bits; make one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
                )
            if self.jwt_audience == DEV_JWT_AUDIENCE:
                raise ValueError("JWT_AUDIENCE must name the deployment when HALLMARK_ENV=production")
            if self.faults:
                raise ValueError("FAULTS is refused when HALLMARK_ENV=production")
        if self.clock == "manual" and not self.clock_file:
            raise ValueError("CLOCK=manual needs CLOCK_FILE (shared by the API and the worker)")
        if not self.jwt_secret:
            self.jwt_secret = dev_jwt_secret()
        return self

    @field_validator("shop_timezone", "shop_workdays", "shop_holidays")
    @classmethod
    def _calendar_parses(cls, value: str, info: object) -> str:
        name = getattr(info, "field_name", "")
        if name == "shop_timezone":
            BusinessCalendar(timezone=value)
        elif name == "shop_workdays":
            BusinessCalendar(workdays=parse_workdays(value))
        else:
            parse_holidays(value)
        return value

    def business_calendar(self) -> BusinessCalendar:
        """The shop's calendar (shared by shipping estimates and ticket SLAs)."""
        return BusinessCalendar(
            timezone=self.shop_timezone,
            workdays=parse_workdays(self.shop_workdays),
            holidays=parse_holidays(self.shop_holidays),
        )

    @property
    def topic_prefix(self) -> str:
        return f"{self.namespace}." if self.namespace else ""

    def fault_enabled(self, name: str) -> bool:
        return name in {f.strip() for f in self.faults.split(",") if f.strip()}


class ServiceSettings(BaseSettings):
    """Base for each service's settings; subclasses set `env_prefix` (e.g. ORDERS_)."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    metrics_port: int = Field(default=0, description="Worker metrics port; 0 = http_port + 100")
    database_name: str = ""
    database_url: str | None = Field(default=None, description="Overrides the platform server URL")
    pool_size: int = 5
    relay_batch_size: int = 500
    relay_interval_seconds: float = Field(
        default=5.0, gt=0, description="Fallback poll of the outbox relay; a commit wakes it at once (LISTEN/NOTIFY)"
    )
    follower_interval_seconds: float = Field(default=0.5, gt=0, description="Poll of the log followers (e-mail)")
    relay_lag_ready_threshold: int = 10_000
    consumer_batch_size: int = 200
    timer_interval_seconds: float = 0.25
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @property
    def dsn(self) -> str:
        """The service's own database URL."""
        if self.database_url:
            return self.database_url
        namespace = self.platform.namespace
        name = self.database_name or (
            f"hallmark_{namespace}_{self.service_name}" if namespace else f"hallmark_{self.service_name}"
        )
        parts = urlsplit(self.platform.database_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    @property
    def worker_metrics_port(self) -> int:
        return self.metrics_port or self.http_port + 100
