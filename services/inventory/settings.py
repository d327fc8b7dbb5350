from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.runtime.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    http_port: int = 8002
    seed_demo_catalogue: bool = False
    hold_ttl_seconds: int = Field(default=1800, gt=0, description="I1: a hold not checked out in time expires")
    picking_sla_hours: int = Field(default=48, gt=0, description="I4: picking must finish this long after confirmation")
    max_unit_price_minor: int = Field(
        default=100_000_000, gt=1, le=10**12, description="X3: unit prices stay below this (minor units)"
    )
    conflict_retries: int = Field(
        default=25, ge=1, description="I2: how often a write is decided again after a concurrent one won"
    )
