"""The image's HEALTHCHECK: asks the container's own process whether it is alive (exit 0) or not (1).

PID 1 is what the entrypoint started: an API (`uvicorn ... --port P`) must answer GET /livez; a worker
(`python -m services.<name>.worker`) must serve its metrics on <NAME>_METRICS_PORT, or on
<NAME>_HTTP_PORT + 100 (shared/runtime/settings.py: ServiceSettings.worker_metrics_port); anything
else started with `--port P` (the sandboxes, the SMTP sink) must accept a connection on P."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from typing import NamedTuple

DEFAULT_HTTP_PORTS = {"orders": 8001, "inventory": 8002, "payments": 8003, "shipping": 8004, "tickets": 8005}


class Probe(NamedTuple):
    port: int
    path: str | None
    """An HTTP path that must answer 200, or None: a TCP connection is enough."""


def _option(argv: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def probe_for(argv: Sequence[str], env: Mapping[str, str]) -> Probe | None:
    """What to ask the process started as `argv`; None when there is nothing to ask."""
    if "uvicorn" in argv:
        port = _option(argv, "--port")
        return Probe(int(port), "/livez") if port else None
    for arg in argv:
        parts = arg.split(".")
        if len(parts) == 3 and parts[0] == "services" and parts[2] == "worker" and parts[1] in DEFAULT_HTTP_PORTS:
            name = parts[1].upper()
            metrics = int(env.get(f"{name}_METRICS_PORT") or 0)
            http = int(env.get(f"{name}_HTTP_PORT") or DEFAULT_HTTP_PORTS[parts[1]])
            return Probe(metrics or http + 100, "/metrics")
    port = _option(argv, "--port")
    return Probe(int(port), None) if port else None


def healthy(probe: Probe, host: str = "127.0.0.1", timeout: float = 4.0) -> bool:
    try:
        if probe.path is None:
            with socket.create_connection((host, probe.port), timeout=timeout):
                return True
        with urllib.request.urlopen(f"http://{host}:{probe.port}{probe.path}", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> int:
    with open("/proc/1/cmdline", "rb") as handle:
        argv = [a.decode() for a in handle.read().split(b"\0") if a]
    probe = probe_for(argv, os.environ)
    return 0 if probe is None or healthy(probe) else 1


if __name__ == "__main__":
    sys.exit(main())
