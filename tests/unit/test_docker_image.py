"""The image (deploy/docker/Dockerfile), checked without a Docker engine: what it is built from, who it runs
as, that it installs exactly uv.lock, that it keeps no secret, and that its entrypoint and health check
run and ask the processes the launcher runs. (`make lint` also runs hadolint on it.)"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shared.events import SERVICES
from tests.unit.k8s import ROOT, of_kind, rendered
from tools.launcher.service_procs import api_command, worker_command

DOCKER = ROOT / "deploy" / "docker"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (DOCKER / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def args_of(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def test_the_image_is_built_in_stages_from_a_pinned_python_and_runs_unprivileged() -> None:
    bases = [rest.split()[0] for rest in args_of("FROM")]
    assert len(bases) >= 2, "a build stage and a runtime stage"
    assert len(set(bases)) == 1, "the runtime keeps the build's interpreter, which the environment links to"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", bases[0]), bases[0]
    user = args_of("USER")[-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    for deployment in of_kind(rendered("production"), "Deployment"):
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == int(uid)
    assert args_of("ENTRYPOINT") == ['["hallmark-entrypoint"]']
    assert args_of("HEALTHCHECK"), "Docker and compose see whether the process answers"


def test_the_image_installs_exactly_the_locked_environment() -> None:
    runs = args_of("RUN")
    syncs = [r for r in runs if r.startswith("uv sync")]
    assert syncs and all("--frozen" in r and "--no-dev" in r for r in syncs)
    assert any("--no-editable" in r for r in syncs), "the project itself is installed, not linked to /src"
    (uv_version,) = [rest.split("=", 1)[1] for rest in args_of("ARG") if rest.startswith("UV_VERSION=")]
    bootstrap = (ROOT / "deploy" / "local" / "bootstrap.sh").read_text()
    assert f"UV_VERSION={uv_version}\n" in bootstrap, "the same uv as `make install`"
    assert any('"uv==${UV_VERSION}"' in r for r in runs)


def test_the_image_keeps_no_secret_and_copies_only_what_it_needs() -> None:
    for word in ("ENV", "ARG", "LABEL"):
        for rest in args_of(word):
            assert not re.search(r"(SECRET|PASSWORD|TOKEN|PRIVATE)[A-Z_]*=", rest, re.IGNORECASE), rest
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    assert next(line for line in ignore if not line.startswith("#")) == "*", "an allow-list"
    for rest in args_of("COPY"):
        parts = [p for p in rest.split() if not p.startswith("--")]
        if "--from=build" in rest:
            continue
        for source in parts[:-1]:
            assert (ROOT / source).exists(), source
            assert any(source.rstrip("/") == a or source.startswith(a + "/") for a in allowed), source


def entrypoint(*args: str, env: dict[str, str] | None = None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Runs the entrypoint with a `python` on PATH that prints the arguments it was given."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    (fake / "python").chmod(0o755)
    path = f"{fake}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), *args],
        env={"PATH": path, **(env or {})},
        capture_output=True,
        text=True,
        timeout=10,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_entrypoint_runs_the_launchers_commands(service: str, tmp_path: Path) -> None:
    port = {"orders": 8001, "inventory": 8002, "payments": 8003, "shipping": 8004, "tickets": 8005}[service]
    api = entrypoint(service, "api", tmp_path=tmp_path)
    expected = [("0.0.0.0" if a == "127.0.0.1" else a) for a in api_command(service, port)[1:]]
    assert api.stdout.splitlines() == expected
    moved = entrypoint(service, "api", env={f"{service.upper()}_HTTP_PORT": "9100"}, tmp_path=tmp_path)
    assert moved.stdout.splitlines()[moved.stdout.splitlines().index("--port") + 1] == "9100"
    assert entrypoint(service, "worker", tmp_path=tmp_path).stdout.splitlines() == worker_command(service)[1:]
    assert entrypoint(service, "both", tmp_path=tmp_path).returncode == 64


def test_the_entrypoint_runs_any_other_command_as_given(tmp_path: Path) -> None:
    done = entrypoint("python", "-m", "tools.payments_sandbox", "--port", "8090", tmp_path=tmp_path)
    assert done.stdout.splitlines() == ["-m", "tools.payments_sandbox", "--port", "8090"]
    assert entrypoint(tmp_path=tmp_path).returncode == 64


def healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_healthcheck", DOCKER / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("service", SERVICES)
def test_the_health_check_asks_the_api_its_livez_and_the_worker_its_metrics(service: str) -> None:
    module = healthcheck()
    settings_module = importlib.import_module(f"services.{service}.settings")
    settings = getattr(settings_module, f"{service.capitalize()}Settings")
    api = ["/app/.venv/bin/python", *api_command(service, 8123)[1:]]
    assert module.probe_for(api, {}) == (8123, "/livez")
    worker = ["/app/.venv/bin/python", *worker_command(service)[1:]]
    assert module.probe_for(worker, {}) == (settings().worker_metrics_port, "/metrics")
    up = service.upper()
    moved: dict[str, Any] = {f"{up}_HTTP_PORT": "9000"}
    assert module.probe_for(worker, moved) == (settings(http_port=9000).worker_metrics_port, "/metrics")
    moved[f"{up}_METRICS_PORT"] = "9500"
    assert module.probe_for(worker, moved) == (9500, "/metrics")
    sandbox = ["python", "-m", "tools.carrier_sandbox", "--port=8091"]
    assert module.probe_for(sandbox, {}) == (8091, None)


def test_the_health_check_is_healthy_only_when_the_process_answers() -> None:
    module = healthcheck()

    class Live(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/livez" else 503)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Live)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert module.healthy(module.Probe(port, "/livez"))
        assert not module.healthy(module.Probe(port, "/readyz"))
        assert module.healthy(module.Probe(port, None))
    finally:
        server.shutdown()
        server.server_close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert not module.healthy(module.Probe(closed, None), timeout=1)
    assert not module.healthy(module.Probe(closed, "/livez"), timeout=1)
