"""The whole system as local processes: Kafka, PostgreSQL, and an API and a worker per service."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from shared.events import PARTITIONS, SERVICES, all_topics
from shared.runtime.kafka import create_topics, wait_for_topics
from shared.runtime.settings import PlatformSettings, ServiceSettings
from shared.runtime.store import ensure_database
from tools.launcher.kafka import KafkaNode
from tools.launcher.postgres import PostgresCluster
from tools.launcher.procs import home, pid_alive, port_open, repo_root, spawn, stop_pid, wait_until

AUXILIARY = ("mailsink", "payment-gateway")
INFRASTRUCTURE = ("kafka", "postgres")  # stopped last, after everything that uses them


@dataclass
class Ports:
    kafka: int = 9092
    kafka_controller: int = 9093
    postgres: int = 5433
    smtp: int = 8025
    payment_gateway: int = 8090
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
            services={s: base + 1 + i for i, s in enumerate(SERVICES)},
        )


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


class Stack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.run_dir = home() / "run" / self.config.name
        self.kafka = KafkaNode(
            self.config.ports.kafka, self.config.ports.kafka_controller, self.run_dir, partitions=PARTITIONS
        )
        self.postgres = PostgresCluster(self.config.ports.postgres, durable=self.config.durable)
        self.procs: dict[str, int] = {}
        self.handles: dict[str, subprocess.Popen[bytes]] = {}
        self.timings: dict[str, float] = {}

    @property
    def bootstrap(self) -> str:
        return self.config.kafka_bootstrap or self.kafka.bootstrap

    @property
    def database_url(self) -> str:
        return self.config.database_url or self.postgres.url

    @property
    def state_file(self) -> Path:
        return self.run_dir / "stack.json"

    @property
    def mail_dir(self) -> Path:
        return self.run_dir / "mail"

    @property
    def clock_file(self) -> Path:
        return self.run_dir / "clock.json"

    # --- environment --------------------------------------------------------------------------
    def platform_env(self) -> dict[str, str]:
        env = {
            "HALLMARK_ENV": self.config.environment,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "DATABASE_URL": self.database_url,
            "NAMESPACE": self.config.namespace,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.config.ports.smtp),
            "PAYMENTS_PROVIDER_URL": f"http://127.0.0.1:{self.config.ports.payment_gateway}",
            "PAYMENTS_VOUCHER_DIR": str(self.run_dir / "vouchers"),
            "CLOCK": self.config.clock,
            "CLOCK_FILE": str(self.clock_file),
        }
        return env

    def service_env(self, service: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.platform_env())
        prefix = service.upper()
        env[f"{prefix}_HTTP_PORT"] = str(self.config.ports.services[service])
        if service == "inventory" and self.config.seed_demo:
            env["INVENTORY_SEED_DEMO_CATALOGUE"] = "true"
        env.update(self.config.extra_env)
        env.update(extra or {})
        env["PYTHONPATH"] = str(repo_root())
        return env

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.ports.services[service]}"

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.clock_file.exists():
            self.clock_file.unlink()
        try:
            if not self.config.database_url:
                t0 = time.monotonic()
                self.postgres.start(self.run_dir / "logs" / "postgres.log")
                self.procs["postgres"] = self.postgres.pid or 0
                self.timings["postgres"] = time.monotonic() - t0
                self._save_state()
            if not self.config.kafka_bootstrap:
                t0 = time.monotonic()
                self.kafka.start()
                self.procs["kafka"] = self.kafka.pid or 0
                self.timings["kafka"] = time.monotonic() - t0
                self._save_state()
            t0 = time.monotonic()
            self.prepare_namespace()
            self.timings["topics+databases"] = time.monotonic() - t0
            if self.config.start_services:
                self.start_mail_sink()
                self.start_payment_gateway()
                t0 = time.monotonic()
                for service in self.config.services:
                    self.start_service(service)
                self.wait_ready(self.config.services)
                self.timings["services"] = time.monotonic() - t0
        except BaseException:
            self.stop()
            raise

    def prepare_namespace(self) -> None:
        """Create this namespace's topics (fixed partition count) and service databases."""
        prefix = f"{self.config.namespace}." if self.config.namespace else ""
        topics = [prefix + t for t in all_topics()]

        async def create() -> None:
            await create_topics(self.bootstrap, PARTITIONS, topics)
            await wait_for_topics(self.bootstrap, topics, within_seconds=60)

        asyncio.run(create())
        for service in SERVICES:
            settings = ServiceSettings(
                service_name=service,
                platform=PlatformSettings(database_url=self.database_url, namespace=self.config.namespace),
            )
            ensure_database(settings.dsn)

    def start_mail_sink(self) -> None:
        """The local SMTP sink the services send mail to (kept on disk under run/<name>/mail)."""
        self._start_auxiliary(
            "mailsink", self.config.ports.smtp, ["tools.launcher.mailsink", "--dir", str(self.mail_dir)]
        )

    def start_payment_gateway(self) -> None:
        """The sandbox card/PayPal gateway (tools/payments_sandbox), in test mode."""
        self._start_auxiliary(
            "payment-gateway",
            self.config.ports.payment_gateway,
            ["tools.payments_sandbox", "--data-dir", str(self.run_dir / "payment-gateway")],
        )

    def _start_auxiliary(self, name: str, port: int, module_args: list[str]) -> None:
        proc = spawn(
            [sys.executable, "-m", *module_args, "--host", "127.0.0.1", "--port", str(port)],
            self.run_dir / "logs" / f"{name}.log",
            env={**os.environ, "PYTHONPATH": str(repo_root())},
            cwd=repo_root(),
        )
        self.procs[name] = proc.pid
        self.handles[name] = proc
        self._save_state()
        wait_until(lambda: port_open(port), 30, name, alive=lambda: proc.poll() is None)

    def start_service(self, service: str, extra_env: dict[str, str] | None = None) -> None:
        self.start_api(service, extra_env)
        self.start_worker(service, extra_env)

    def start_api(self, service: str, extra_env: dict[str, str] | None = None) -> int:
        env = self.service_env(service, extra_env)
        port = self.config.ports.services[service]
        proc = spawn(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                f"services.{service}.api:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            self.run_dir / "logs" / f"{service}-api.log",
            env=env,
            cwd=repo_root(),
        )
        self.procs[f"{service}-api"] = proc.pid
        self.handles[f"{service}-api"] = proc
        self._save_state()
        return proc.pid

    def start_worker(self, service: str, extra_env: dict[str, str] | None = None, replica: int = 0) -> int:
        """Start a worker of `service`. Replica n > 0 is another member of the same consumer group
        (its relay stands by): named `<service>-worker-<n>`, metrics on API port + 100 + 10 n, its
        own Faust data directory."""
        name = f"{service}-worker" if replica == 0 else f"{service}-worker-{replica}"
        env = self.service_env(service, extra_env)
        if replica:
            data = self.run_dir / "replicas" / name
            data.mkdir(parents=True, exist_ok=True)
            env["TMPDIR"] = str(data)
            env[f"{service.upper()}_METRICS_PORT"] = str(self.config.ports.services[service] + 100 + 10 * replica)
        proc = spawn(
            [sys.executable, "-m", f"services.{service}.worker", "worker", "-l", "info"],
            self.run_dir / "logs" / f"{name}.log",
            env=env,
            cwd=repo_root(),
        )
        self.procs[name] = proc.pid
        self.handles[name] = proc
        self._save_state()
        return proc.pid

    def stop_process(self, name: str, *, kill: bool = False) -> None:
        pid = self.procs.pop(name, None)
        handle = self.handles.pop(name, None)
        if pid and (handle is None or handle.poll() is None):
            import signal

            stop_pid(pid, timeout=15, sig=signal.SIGKILL if kill else signal.SIGTERM)
            self._save_state()

    def exit_code(self, name: str) -> int | None:
        """Exit status of a process that ended by itself (None while it runs)."""
        handle = self.handles.get(name)
        if handle is None or handle.poll() is None:
            return None
        self.procs.pop(name, None)
        self.handles.pop(name, None)
        return handle.returncode

    def wait_ready(self, services: tuple[str, ...], timeout: float = 180) -> None:
        def ready(service: str) -> bool:
            try:
                return httpx.get(f"{self.url(service)}/readyz", timeout=3).status_code == 200
            except httpx.HTTPError:
                return False

        for service in services:
            api_pid = self.procs.get(f"{service}-api", 0)
            worker_pid = self.procs.get(f"{service}-worker", 0)
            metrics_port = self.config.ports.services[service] + 100
            wait_until(partial(ready, service), timeout, f"{service} api", 0.3, partial(pid_alive, api_pid))
            wait_until(
                partial(port_open, metrics_port), timeout, f"{service} worker", 0.3, partial(pid_alive, worker_pid)
            )

    def stop(self) -> None:
        for name in [n for n in self.procs if n not in INFRASTRUCTURE]:  # services, replicas, auxiliaries
            self.stop_process(name)
        self.kafka.stop()
        self.procs.pop("kafka", None)
        self.postgres.stop()
        self.procs.pop("postgres", None)
        if self.state_file.exists():
            self.state_file.unlink()

    def _save_state(self) -> None:
        state: dict[str, Any] = {
            "config": asdict(self.config),
            "procs": self.procs,
            "pg_dir": str(self.postgres.data_dir or ""),
            "kafka": self.bootstrap,
            "postgres": self.database_url,
            "mail_dir": str(self.mail_dir),
            "auxiliary": {"smtp-sink": self.config.ports.smtp, "payment-gateway": self.config.ports.payment_gateway},
            "urls": {s: self.url(s) for s in self.config.services},
        }
        self.state_file.write_text(json.dumps(state, indent=2))

    def summary(self) -> list[tuple[str, str]]:
        rows = [
            ("kafka", self.bootstrap),
            ("postgres", self.database_url),
            ("smtp sink", f"127.0.0.1:{self.config.ports.smtp} (mail kept in {self.mail_dir})"),
            ("payments gateway (sandbox)", f"http://127.0.0.1:{self.config.ports.payment_gateway}"),
        ]
        for service in self.config.services:
            port = self.config.ports.services[service]
            rows.append(
                (
                    service,
                    f"{self.url(service)}  (docs {self.url(service)}/docs, "
                    f"worker metrics http://127.0.0.1:{port + 100}/metrics)",
                )
            )
        return rows


def stop_from_state(name: str = "dev") -> bool:
    """Stop a stack started by another process (`hallmark down`)."""
    state_file = home() / "run" / name / "stack.json"
    if not state_file.exists():
        return False
    import shutil
    import signal

    state = json.loads(state_file.read_text())
    procs: dict[str, int] = state.get("procs", {})
    for pname, pid in procs.items():
        if pname not in INFRASTRUCTURE:  # services, worker replicas, auxiliaries first
            stop_pid(pid, timeout=15)
    if "kafka" in procs:
        stop_pid(procs["kafka"], timeout=20)
    if "postgres" in procs:
        stop_pid(procs["postgres"], timeout=20, sig=signal.SIGINT)
    if state.get("pg_dir"):
        shutil.rmtree(state["pg_dir"], ignore_errors=True)
    state_file.unlink(missing_ok=True)
    return True


def read_state(name: str = "dev") -> dict[str, Any] | None:
    state_file = home() / "run" / name / "stack.json"
    if not state_file.exists():
        return None
    data: dict[str, Any] = json.loads(state_file.read_text())
    return data


__all__ = ["Ports", "Stack", "StackConfig", "port_open", "read_state", "stop_from_state"]
