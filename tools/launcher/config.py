"""What a local stack is: its name, its ports, what it starts and how the services are configured."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.events import SERVICES


@dataclass
class Ports:
    kafka: int = 9092
    kafka_controller: int = 9093
    postgres: int = 5433
    smtp: int = 8025
    payment_gateway: int = 8090
    carrier: int = 8091
    services: dict[str, int] = field(
        default_factory=lambda: {"orders": 8001, "inventory": 8002, "payments": 8003, "shipping": 8004, "tickets": 8005}
    )

    @classmethod
    def offset(cls, base: int) -> Ports:
        """A block of ports starting at `base` (tests use one apart from `make up`'s)."""
        return cls(
            kafka=base + 92,
            kafka_controller=base + 93,
            postgres=base + 33,
            smtp=base + 25,
            payment_gateway=base + 90,
            carrier=base + 91,
            services={s: base + 1 + i for i, s in enumerate(SERVICES)},
        )

    def metrics(self, service: str, replica: int = 0) -> int:
        """Where a worker serves /metrics: its service's API port + 100 (+ 10 per replica)."""
        return self.services[service] + 100 + 10 * replica


@dataclass
class StackConfig:
    ports: Ports = field(default_factory=Ports)
    name: str = "dev"
    services: tuple[str, ...] = SERVICES
    start_services: bool = True
    durable: bool = True
    clock: str = "manual"
    environment: str = "development"
    seed_demo: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    namespace: str = ""
    kafka_bootstrap: str | None = None
    """Use this Kafka instead of starting one."""
    database_url: str | None = None
    """Use this PostgreSQL server instead of starting one."""
