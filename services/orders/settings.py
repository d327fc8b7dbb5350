from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.runtime.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")

    service_name: str = "orders"
    http_port: int = 8001
    sample_fee_minor: int = Field(default=300, ge=0, description="O3: sample fee per item, minor units")
    cancellation_policy: str = Field(default="2026-01", description="O5: policy stamped on new confirmations")
    mail_from: str = "orders@hallmark.example"
