from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.runtime.settings import ServiceSettings


class TicketsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETS_", extra="ignore")

    service_name: str = "tickets"
    http_port: int = 8005
    claim_window_days: int = Field(
        default=7, gt=0, description="T2: damaged, defective or incorrect items within this many days of signing"
    )
    reply_sla_working_hours: int = Field(
        default=48, gt=0, description="T3: staff reply within this many working hours of the customer's message"
    )
    auto_close_days: int = Field(
        default=7, gt=0, description="T4: a ticket closes itself this long after a staff reply the customer left"
    )
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="Largest photo accepted, in bytes")
    photos_per_message: int = Field(default=6, ge=0, description="Most photos one message may carry")
    conflict_retries: int = Field(
        default=10, ge=1, description="How often a command is decided again after a concurrent write won"
    )
