from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.runtime.settings import ServiceSettings

TARIFF_DIR = Path(__file__).with_name("tariffs")
DEV_WEBHOOK_SECRETS = {"DHL": "dev-dhl-webhook-secret-change-me", "FedEx": "dev-fedex-webhook-secret-change-me"}


class ShippingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHIPPING_", extra="ignore")

    service_name: str = "shipping"
    http_port: int = 8004
    mail_from: str = "shipping@hallmark.example"
    tariff_version: str = Field(default="2026-01", description="S1: the table quotes use (<tariff_dir>/<v>.json)")
    tariff_dir: str = Field(default=str(TARIFF_DIR), description="Where the versioned tariff tables are kept")
    estimate_min_business_days: int = Field(default=4, ge=0, description="S3: earliest delivery after payment")
    estimate_max_business_days: int = Field(default=7, ge=0, description="S3: latest delivery after payment")
    processing_days: dict[str, int] = Field(
        default_factory=dict,
        description='S3: extra business days some SKUs need before dispatch, JSON {"SKU": days}; the slowest '
        "line of an order moves its whole estimate",
    )
    late_after_hours: float = Field(default=72, gt=0, description="S3: a parcel with no update this long is late")
    webhook_replay_window_seconds: int = Field(default=300, gt=0, description="S3: signed updates older are refused")
    webhook_secret_dhl: str = DEV_WEBHOOK_SECRETS["DHL"]
    webhook_secret_fedex: str = DEV_WEBHOOK_SECRETS["FedEx"]

    @model_validator(mode="after")
    def _consistent(self) -> ShippingSettings:
        if self.estimate_min_business_days > self.estimate_max_business_days:
            raise ValueError("SHIPPING_ESTIMATE_MIN_BUSINESS_DAYS must not exceed SHIPPING_ESTIMATE_MAX_BUSINESS_DAYS")
        if any(days < 0 for days in self.processing_days.values()):
            raise ValueError("SHIPPING_PROCESSING_DAYS: days must not be negative")
        if self.platform.hallmark_env == "production":
            for carrier, secret in self.webhook_secrets().items():
                if not secret or secret == DEV_WEBHOOK_SECRETS[carrier] or len(secret) < 16:
                    name = f"SHIPPING_WEBHOOK_SECRET_{carrier.upper()}"
                    raise ValueError(f"{name} must be set (16+ characters) when HALLMARK_ENV=production")
        return self

    def webhook_secrets(self) -> dict[str, str]:
        """S3: the secret each carrier signs its webhook calls with."""
        return {"DHL": self.webhook_secret_dhl, "FedEx": self.webhook_secret_fedex}
