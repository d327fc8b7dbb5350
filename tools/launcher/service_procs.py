"""The processes of a service: its API (uvicorn) and its worker(s), and when they are ready."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import httpx

from tools.launcher.procs import pid_alive, port_open, wait_until


def api_command(service: str, port: int) -> list[str]:
    app = f"services.{service}.api:create_app"
    listen = ["--host", "127.0.0.1", "--port", str(port)]
    serve = ["--no-access-log", "--loop", "uvloop", "--http", "httptools"]  # docs/operations.md "Performance"
    return [sys.executable, "-m", "uvicorn", "--factory", app, *listen, *serve]


def worker_command(service: str) -> list[str]:
    return [sys.executable, "-m", f"services.{service}.worker", "worker", "-l", "info"]


def worker_name(service: str, replica: int = 0) -> str:
    """`<service>-worker`, and `<service>-worker-<n>` for replica n > 0."""
    return f"{service}-worker" if replica == 0 else f"{service}-worker-{replica}"


def replica_env(service: str, replica: int, metrics_port: int, run_dir: Path) -> dict[str, str]:
    """What sets a worker replica apart from the first worker: its metrics port and temporary directory."""
    data = run_dir / "replicas" / worker_name(service, replica)
    data.mkdir(parents=True, exist_ok=True)
    return {"TMPDIR": str(data), f"{service.upper()}_METRICS_PORT": str(metrics_port)}


def wait_ready(url: str, api_pid: int, metrics_port: int, worker_pid: int, what: str, timeout: float) -> None:
    """Until the API answers /readyz with 200 and the worker serves its metrics; fails early if either
    process exits."""

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/readyz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout, f"{what} api", 0.3, partial(pid_alive, api_pid))
    wait_until(partial(port_open, metrics_port), timeout, f"{what} worker", 0.3, partial(pid_alive, worker_pid))
