"""The whole system as local processes: Kafka, PostgreSQL, the auxiliaries (mail sink, payment
sandbox), and an API and a worker per service. `Stack` puts the parts together:
config (`config.py`), infrastructure (`infrastructure.py`), auxiliary processes (`auxiliary.py`),
service processes (`service_procs.py`), the processes started (`processes.py`), the state file
(`state.py`)."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.launcher.auxiliary import AUXILIARIES, Auxiliary, auxiliary_env, auxiliary_ports, mail_dir
from tools.launcher.config import Ports, StackConfig
from tools.launcher.infrastructure import Infrastructure
from tools.launcher.processes import ProcessTable, timed
from tools.launcher.procs import port_open, repo_root
from tools.launcher.service_procs import api_command, replica_env, wait_ready, worker_command, worker_name
from tools.launcher.state import read_state, run_dir_of, state_path, stop_from_state, write_state


class Stack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.run_dir = run_dir_of(self.config.name)
        self.infra = Infrastructure(self.config, self.run_dir)
        self.processes = ProcessTable(on_change=self._save_state)
        self.timings: dict[str, float] = {}

    @property
    def procs(self) -> dict[str, int]:
        """Name -> pid of every process this stack started."""
        return self.processes.pids

    @property
    def bootstrap(self) -> str:
        return self.infra.bootstrap

    @property
    def database_url(self) -> str:
        return self.infra.database_url

    @property
    def state_file(self) -> Path:
        return state_path(self.config.name)

    @property
    def mail_dir(self) -> Path:
        return mail_dir(self.run_dir)

    @property
    def clock_file(self) -> Path:
        return self.run_dir / "clock.json"

    @property
    def tmp_dir(self) -> Path:
        """The stack's own temporary directory (TMPDIR of its processes: Faust's data directories are
        under it), so that two stacks never share a file."""
        return self.run_dir / "tmp"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.ports.services[service]}"

    # --- environment --------------------------------------------------------------------------
    def platform_env(self) -> dict[str, str]:
        return {
            "HALLMARK_ENV": self.config.environment,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "DATABASE_URL": self.database_url,
            "NAMESPACE": self.config.namespace,
            **auxiliary_env(self.config.ports),
            "CLOCK": self.config.clock,
            "CLOCK_FILE": str(self.clock_file),
            "AUDIT_PEERS": ",".join(f"{s}={self.url(s)}" for s in self.config.services),  # the orders trail
        }

    def service_env(self, service: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
        env.update(self.platform_env())
        env[f"{service.upper()}_HTTP_PORT"] = str(self.config.ports.services[service])
        if service == "inventory" and self.config.seed_demo:
            env["INVENTORY_SEED_DEMO_CATALOGUE"] = "true"
        env.update(self.config.extra_env)
        env.update(extra or {})
        env["PYTHONPATH"] = str(repo_root())
        env.setdefault("TMPDIR", str(self.tmp_dir))
        # Faust names its worker process with setproctitle, which by default overwrites the memory of
        # the environment: /proc/<pid>/environ (what ops and the tests read) would show the title instead.
        env["SPT_NOENV"] = "1"
        return env

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if not self.config.durable:  # a throwaway stack starts afresh, at real time; a kept one goes on
            self.clock_file.unlink(missing_ok=True)
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.infra.start(self.processes, self.timings)
            if self.config.start_services:
                for auxiliary in AUXILIARIES:
                    self.start_auxiliary(auxiliary)
                with timed(self.timings, "services"):
                    for service in self.config.services:
                        self.start_service(service)
                    self.wait_ready(self.config.services)
        except BaseException:
            self.stop()
            raise

    def prepare_namespace(self) -> None:
        """Create this namespace's topics (fixed partition count) and service databases."""
        self.infra.prepare_namespace()

    def start_auxiliary(self, auxiliary: Auxiliary) -> None:
        auxiliary.start(self.config.ports, self.run_dir, self.processes)

    def start_service(self, service: str, extra_env: dict[str, str] | None = None) -> None:
        self.start_api(service, extra_env)
        self.start_worker(service, extra_env)

    def start_api(self, service: str, extra_env: dict[str, str] | None = None) -> int:
        command = api_command(service, self.config.ports.services[service])
        log = self.run_dir / "logs" / f"{service}-api.log"
        return self.processes.spawn(f"{service}-api", command, log, self.service_env(service, extra_env)).pid

    def start_worker(self, service: str, extra_env: dict[str, str] | None = None, replica: int = 0) -> int:
        """Start a worker of `service`. Replica n > 0 is another member of the same consumer group
        (its relay stands by): named `<service>-worker-<n>`, metrics on API port + 100 + 10 n, its
        own Faust data directory."""
        name = worker_name(service, replica)
        env = self.service_env(service, extra_env)
        if replica:
            env.update(replica_env(service, replica, self.config.ports.metrics(service, replica), self.run_dir))
        return self.processes.spawn(name, worker_command(service), self.run_dir / "logs" / f"{name}.log", env).pid

    def stop_process(self, name: str, *, kill: bool = False) -> None:
        self.processes.stop(name, kill=kill)

    def crash_infrastructure(self, component: str) -> None:
        """'kafka': kill -9 the broker; 'postgres': an immediate stop. Only what this stack started."""
        self.infra.crash(component, self.processes)

    def restart_infrastructure(self, component: str) -> None:
        self.infra.restart(component, self.processes)

    def exit_code(self, name: str) -> int | None:
        """Exit status of a process that ended by itself (None while it runs)."""
        return self.processes.exit_code(name)

    def wait_ready(self, services: tuple[str, ...], timeout: float = 180) -> None:
        for service in services:
            api_pid = self.procs.get(f"{service}-api", 0)
            worker_pid = self.procs.get(worker_name(service), 0)
            metrics = self.config.ports.metrics(service)
            wait_ready(self.url(service), api_pid, metrics, worker_pid, service, timeout)

    def stop(self) -> None:
        self.processes.stop_all_but_infrastructure()
        self.infra.stop(self.processes)
        self.state_file.unlink(missing_ok=True)

    def _save_state(self) -> None:
        state: dict[str, Any] = {
            "config": asdict(self.config),
            "procs": self.procs,
            "pg_dir": str(self.infra.postgres.data_dir or ""),
            "kafka": self.bootstrap,
            "postgres": self.database_url,
            "mail_dir": str(self.mail_dir),
            "auxiliary": auxiliary_ports(self.config.ports),
            "urls": {s: self.url(s) for s in self.config.services},
        }
        write_state(self.state_file, state)

    def summary(self) -> list[tuple[str, str]]:
        rows = [("kafka", self.bootstrap), ("postgres", self.database_url)]
        for aux in AUXILIARIES:
            rows.append((aux.title, aux.where(aux.port(self.config.ports), self.run_dir)))
        for service in self.config.services:
            metrics = f"http://127.0.0.1:{self.config.ports.metrics(service)}/metrics"
            rows.append((service, f"{self.url(service)}  (docs {self.url(service)}/docs, worker metrics {metrics})"))
        return rows


__all__ = ["Ports", "Stack", "StackConfig", "port_open", "read_state", "stop_from_state"]
