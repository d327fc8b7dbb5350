from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.payments.domain.money import MAX_AMOUNT_MINOR
from shared.runtime.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")

    service_name: str = "payments"
    http_port: int = 8003
    provider_url: str = Field(default="http://127.0.0.1:8090", description="Card/PayPal gateway (sandbox locally)")
    provider_timeout_seconds: float = 5.0
    fraud_share: float = Field(default=0.05, ge=0, le=1, description="P5: share of orders held for review")
    settlement_days: int = Field(default=10, gt=0, description="P2: days a voucher may stay unsettled")
    voucher_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="P2: the largest voucher accepted (larger: 413)"
    )
    max_amount_minor: int = Field(
        default=MAX_AMOUNT_MINOR, gt=0, description="The most one deposit credit or settlement may bring (P2, P3)"
    )
    refund_alert_minutes: int = Field(
        default=60, gt=0, description="P6: refunds owed through the provider for longer are listed for ops"
    )
