"""What a local stack is: its name, its ports, what it starts and how the services are configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shared.events import SERVICES

PORT_BLOCK = 200
"""Ports a stack started with a port base takes: base .. base + 199 (`Ports.offset`)."""
EPHEMERAL_DEFAULT = (32768, 60999)
"""Linux's default ephemeral range (net.ipv4.ip_local_port_range)."""


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

    @classmethod
    def of(cls, base: int | None) -> Ports:
        """`make up`'s ports (None), or the block at `base`."""
        return cls() if base is None else cls.offset(base)

    def metrics(self, service: str, replica: int = 0) -> int:
        """Where a worker serves /metrics: its service's API port + 100 (+ 10 per replica)."""
        return self.services[service] + 100 + 10 * replica


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The machine's ephemeral port range (outgoing connections take their local port from it)."""
    try:
        low, high = (int(p) for p in path.read_text().split())
    except (OSError, ValueError):
        return EPHEMERAL_DEFAULT
    return low, high


def check_port_base(base: int, ephemeral: tuple[int, int] | None = None) -> None:
    """Refuse a base whose block (base .. base + PORT_BLOCK - 1) is not all listenable and apart from the
    ephemeral range: any outgoing connection may hold a port there, and a stack would then fail to
    start, or fail later, at random."""
    low, high = ephemeral or ephemeral_range()
    last = base + PORT_BLOCK - 1
    if base < 1024 or last > 65535:
        raise ValueError(f"port base {base}: its block {base}-{last} must lie within 1024-65535")
    if base <= high and last >= low:
        raise ValueError(
            f"port base {base}: its block {base}-{last} reaches the ephemeral port range {low}-{high} "
            f"(an outgoing connection can hold any port there); choose a base from 1024 to {low - PORT_BLOCK}"
            + (f" or from {high + 1} to {65536 - PORT_BLOCK}" if high + PORT_BLOCK <= 65535 else "")
        )


@dataclass
class StackConfig:
    ports: Ports = field(default_factory=Ports)
    name: str = "dev"
    services: tuple[str, ...] = SERVICES
    start_services: bool = True
    durable: bool = True
    """Keep PostgreSQL's data, Kafka's log and the clock across stops (`hallmark reset` wipes them);
    False: a throwaway stack (tests), fresh at every start, no fsync."""
    clock: str = "manual"
    environment: str = "development"
    seed_demo: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    namespace: str = ""
    kafka_bootstrap: str | None = None
    """Use this Kafka instead of starting one."""
    database_url: str | None = None
    """Use this PostgreSQL server instead of starting one."""
