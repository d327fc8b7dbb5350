"""The stack an ops command looks at (`hallmark --name NAME status|dlq|stuck|kafka`): its addresses,
namespace and Kafka, from its state file while it runs (else from what it was last started with),
and an HTTP client that calls its services as ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.events import SERVICES
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tools.launcher.config import Ports
from tools.launcher.state import ports_of, read_state


@dataclass(frozen=True)
class Target:
    name: str
    ports: Ports
    namespace: str
    bootstrap: str
    postgres: str
    """host:port of its PostgreSQL server."""
    running: bool
    services: tuple[str, ...] = SERVICES
    """The services it runs (all five unless started otherwise)."""

    @property
    def prefix(self) -> str:
        """What the stack's topics and consumer groups start with."""
        return f"{self.namespace}." if self.namespace else ""

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports.services[service]}"

    def topic(self, name: str) -> str:
        """A topic of this stack: `orders.events` -> `<namespace>.orders.events`."""
        return name if not self.prefix or name.startswith(self.prefix) else self.prefix + name

    def group(self, service: str) -> str:
        """The Kafka consumer group of a service's workers (the Faust app id)."""
        return f"{self.prefix}hallmark-{service}"


def target(name: str) -> Target:
    state = read_state(name)
    ports = ports_of(name)
    if state:
        namespace = state.get("config", {}).get("namespace", "")
        postgres = urlsplit(state["postgres"]).netloc.rsplit("@", 1)[-1]
        services = tuple(state.get("urls", {})) or SERVICES
        return Target(name, ports, namespace, state["kafka"], postgres, True, services)
    return Target(name, ports, "", f"127.0.0.1:{ports.kafka}", f"127.0.0.1:{ports.postgres}", False)


class OpsClient:
    """Calls the stack's services with a development ops token (JWT_SECRET from the environment)."""

    def __init__(self, stack: Target, role: str = "ops", subject: str = "hallmark-cli", timeout: float = 10) -> None:
        platform = PlatformSettings()
        token = mint(platform.jwt_secret, platform.jwt_issuer, role, subject)
        self.stack = stack
        self.http = httpx.Client(timeout=timeout, headers={"authorization": f"Bearer {token}"})

    def call(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, f"{self.stack.url(service)}{path}", **kwargs)

    def json(self, service: str, path: str, **kwargs: Any) -> Any:
        """GET and decode; raises httpx.HTTPError (a refused connection, a non-2xx answer)."""
        response = self.call("GET", service, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self.http.close()


def services_of(name: str | None) -> tuple[str, ...]:
    """One service (`--service`), or all five."""
    if name is None:
        return SERVICES
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r} (one of {', '.join(SERVICES)})")
    return (name,)
