from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.orders.domain import cancellation
from services.orders.domain.errors import UnknownPolicy
from shared.runtime.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    service_name: str = "orders"
    http_port: int = 8001
    sample_fee_minor: int = Field(default=300, ge=0, le=1_000_000, description="O3: sample fee per item, minor units")
    cancellation_policy: str = Field(
        default=cancellation.CURRENT_POLICY,
        description="O5: the version stamped on new confirmations; one of the table in domain/cancellation.py "
        "(default: the newest there)",
    )
    payment_window_hours: int = Field(
        default=72, gt=0, le=24 * 365, description="O4: an order not paid this long after placing expires"
    )
    max_order_total_minor: int = Field(
        default=10_000_000_000, gt=0, le=10**15, description="X3: an order's total stays below this (minor units)"
    )
    conflict_retries: int = Field(
        default=25, ge=1, description="How often a write is decided again after a concurrent one won (cart, order)"
    )
    mail_from: str = "orders@hallmark.example"

    @field_validator("cancellation_policy")
    @classmethod
    def _known_policy(cls, version: str) -> str:
        """O5: a version the table does not have refuses to start (rather than fail on every cancel)."""
        try:
            return cancellation.policy_named(version).version
        except UnknownPolicy as exc:
            raise ValueError(str(exc)) from None
