"""The one place that decides where the tests' Kafka and PostgreSQL come from.

1. `KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` set: use those.
2. A Docker engine reachable: testcontainers starts them.
3. Otherwise: the launcher starts them as local processes (Kafka from Maven Central's jars, KRaft,
   and a throwaway PostgreSQL cluster), on ports apart from `make up`'s.
The choice is printed in the pytest header. Every test then works in its own namespace (topics,
consumer groups and databases prefixed), so tests never see each other's messages.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tools.launcher.stack import Ports, Stack, StackConfig

PORT_BASE = int(os.environ.get("HALLMARK_TEST_PORT_BASE", "29000"))
"""Tests use ports PORT_BASE .. PORT_BASE+999 on 127.0.0.1 (two suites at once need two bases)."""
LOCAL_INFRA_PORTS = Ports.offset(PORT_BASE)
SYSTEM_PORTS = Ports.offset(PORT_BASE + 200)
HARNESS_PORTS = Ports.offset(PORT_BASE + 400)
OWN_CLOCK_SYSTEM_PORTS = Ports.offset(PORT_BASE + 600)


def docker_reachable() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def choose_mode() -> str:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL"):
        return "env"
    if docker_reachable():
        return "testcontainers"
    return "local"


@dataclass
class Infra:
    mode: str
    bootstrap: str
    database_url: str
    stop: Callable[[], None] = field(repr=False)


def _start_testcontainers() -> Infra:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft()
    postgres = PostgresContainer("postgres:15", driver=None)
    kafka.start()
    postgres.start()

    def stop() -> None:
        kafka.stop()
        postgres.stop()

    url = postgres.get_connection_url().replace("/test", "/postgres")
    return Infra("testcontainers", kafka.get_bootstrap_server(), url, stop)


def start_infra(mode: str) -> Infra:
    if mode == "env":
        return Infra("env", os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"], lambda: None)
    if mode == "testcontainers":
        return _start_testcontainers()
    stack = Stack(
        StackConfig(name="test-infra", ports=LOCAL_INFRA_PORTS, start_services=False, durable=False, environment="test")
    )
    stack.start()
    return Infra("local", stack.bootstrap, stack.database_url, stack.stop)


def eventually(probe: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2, what: str = "condition") -> Any:
    """Poll `probe` until it returns something truthy, or fail at the deadline (no bare sleeps)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except AssertionError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s; last: {last!r}")


def new_namespace() -> str:
    return "t" + secrets.token_hex(4)


class Harness:
    """Per-test namespace on the shared infrastructure: topics, databases, worker processes."""

    def __init__(self, infra: Infra, namespace: str | None = None) -> None:
        self.infra = infra
        self.namespace = namespace or new_namespace()
        self.stack = Stack(
            StackConfig(
                name=f"test-{self.namespace}",
                ports=HARNESS_PORTS,
                start_services=False,
                kafka_bootstrap=infra.bootstrap,
                database_url=infra.database_url,
                namespace=self.namespace,
                environment="test",
                clock="manual",
                seed_demo=False,
            )
        )
        self.stack.start()
        self.runtimes: list[Any] = []

    @property
    def prefix(self) -> str:
        return f"{self.namespace}."

    def platform(self) -> Any:
        from shared.runtime.settings import PlatformSettings

        return PlatformSettings(
            hallmark_env="test",
            kafka_bootstrap_servers=self.infra.bootstrap,
            database_url=self.infra.database_url,
            namespace=self.namespace,
            clock="manual",
            clock_file=str(self.stack.clock_file),
        )

    def runtime(self, service: str, **settings: Any) -> Any:
        """An in-process runtime of `service` on this namespace's real PostgreSQL database."""
        import importlib

        boot = importlib.import_module(f"services.{service}.bootstrap")
        settings_mod = importlib.import_module(f"services.{service}.settings")
        cls = next(v for k, v in vars(settings_mod).items() if k.endswith("Settings") and k != "ServiceSettings")
        runtime = boot.bootstrap(cls(platform=self.platform(), **settings))
        self.runtimes.append(runtime)
        return runtime

    def start_worker(self, service: str, faults: str = "") -> int:
        return self.stack.start_worker(service, {"FAULTS": faults} if faults else {})

    def stop_worker(self, service: str, kill: bool = False) -> None:
        self.stack.stop_process(f"{service}-worker", kill=kill)

    def worker_exit_code(self, service: str) -> int | None:
        """The exit status of a worker that ended by itself, or None while it runs."""
        return self.stack.exit_code(f"{service}-worker")

    def close(self) -> None:
        self.stack.stop()
        for runtime in self.runtimes:
            runtime.close()


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    started = start_infra(choose_mode())
    try:
        yield started
    finally:
        started.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_passed] = report.passed
    return report


_passed = pytest.StashKey[bool]()


@pytest.fixture
def harness(infra: Infra, request: pytest.FixtureRequest) -> Iterator[Harness]:
    h = Harness(infra)
    try:
        yield h
    finally:
        h.close()
        if request.node.stash.get(_passed, False):  # a failed test's logs and clock stay for reading
            shutil.rmtree(h.stack.run_dir, ignore_errors=True)


def start_system(infra: Infra, name: str, ports: Ports, extra_env: dict[str, str] | None = None) -> Stack:
    """The whole system (all five services, API + worker each) started by the launcher, in its own
    namespace, with its own manual clock."""
    stack = Stack(
        StackConfig(
            name=name,
            ports=ports,
            kafka_bootstrap=infra.bootstrap,
            database_url=infra.database_url,
            namespace="sys" + secrets.token_hex(2),
            durable=False,
            clock="manual",
            environment="test",
            seed_demo=True,
            # P5 draws are tested on their own, not by chance here (a module may ask for another share)
            extra_env={"PAYMENTS_FRAUD_SHARE": "0", **(extra_env or {})},
        )
    )
    stack.start()
    # Ready for a checkout: orders has learned from shipping which countries each carrier serves (S1).
    eventually(
        lambda: httpx.get(f"{stack.url('orders')}/carriers", timeout=5).status_code == 200,
        timeout=90,
        what="carrier coverage known to orders",
    )
    return stack


@pytest.fixture(scope="session")
def system(infra: Infra) -> Iterator[Stack]:
    """The whole system, shared by the integration tests (which never move its clock by days)."""
    stack = start_system(infra, "test-system", SYSTEM_PORTS)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def own_clock_system(infra: Infra, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A second whole system for one test module, whose clock it may move days ahead (T4, X1); the
    module's `SYSTEM_ENV` (if any) is added to the services' environment."""
    stack = start_system(infra, "test-own-clock", OWN_CLOCK_SYSTEM_PORTS, getattr(request.module, "SYSTEM_ENV", None))
    try:
        yield stack
    finally:
        stack.stop()


def pytest_report_header(config: pytest.Config) -> str:
    mode = choose_mode()
    where = {
        "env": f"Kafka {os.environ.get('KAFKA_BOOTSTRAP_SERVERS')} and DATABASE_URL from the environment",
        "testcontainers": "Kafka and PostgreSQL from testcontainers (Docker engine reachable)",
        "local": f"Kafka (KRaft, Maven Central jars) on 127.0.0.1:{LOCAL_INFRA_PORTS.kafka} and "
        f"PostgreSQL on 127.0.0.1:{LOCAL_INFRA_PORTS.postgres}, started as local processes "
        "(no Docker engine reachable)",
    }[mode]
    return f"hallmark infrastructure: {mode} - {where}"
