"""A small HTTP client for the running system, with dev tokens per role."""

from __future__ import annotations

from typing import Any

import httpx

from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.stack import Stack


class SystemClient:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.platform = PlatformSettings()
        self.http = httpx.Client(timeout=15)

    def token(self, role: str, subject: str, customers: tuple[str, ...] = ()) -> dict[str, str]:
        token = mint(self.platform.jwt_secret, self.platform.jwt_issuer, role, subject, customers=customers)
        return {"authorization": f"Bearer {token}"}

    def call(
        self, method: str, service: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.http.request(method, f"{self.stack.url(service)}{path}", headers=headers, **kwargs)

    def stored(self, service: str) -> int:
        positions = self.call("GET", service, "/admin/positions", headers=self.token("ops", "ops-1")).json()
        return int(positions["relay"]["stored"])
