"""A PostgreSQL cluster from the machine's server binaries (as `postgres` when root): kept in the
stack's directory across stops (durable), or a throwaway one in a temporary directory (tests)."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tools.launcher.procs import port_open, spawn, stop_pid, wait_until


def bindir() -> Path:
    for candidate in (shutil.which("pg_config"),):
        if candidate:
            out = subprocess.run([candidate, "--bindir"], capture_output=True, text=True).stdout.strip()
            if out and (Path(out) / "initdb").exists():
                return Path(out)
    for version in ("17", "16", "15"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "initdb").exists():
            return path
    raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as `postgres`."""
    return "postgres" if os.geteuid() == 0 else None


def kept_data_dir(run_dir: Path) -> Path:
    """Where a durable stack keeps its cluster: `<run dir>/postgres`, or, when the server's user cannot
    reach the checkout (a home directory closed to others), a directory named after the run directory
    in the system's temporary directory. Once a cluster is kept somewhere, it stays there."""
    digest = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:12]
    elsewhere = Path(tempfile.gettempdir()) / f"hallmark-pg-{digest}"
    if (elsewhere / "data").exists():
        return elsewhere
    if server_user() is None:
        return run_dir / "postgres"
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir / "postgres" if _reachable_by_server(run_dir) else elsewhere


def _reachable_by_server(directory: Path) -> bool:
    probe = ["/bin/sh", "-c", 'test -x "$0" -a -r "$0"', str(directory)]
    return subprocess.run(probe, user=server_user(), capture_output=True).returncode == 0


@dataclass
class PostgresCluster:
    port: int
    durable: bool = True
    kept_dir: Path | None = None
    """A durable cluster's directory (`kept_data_dir`): created once, reused at every start."""
    data_dir: Path | None = None
    pid: int | None = field(default=None)
    created: bool = False
    """The last start created the cluster (nothing was kept, or it was a throwaway one)."""

    @property
    def keeps_data(self) -> bool:
        return self.durable and self.kept_dir is not None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, log_path: Path, *, keep: bool = False) -> None:
        """Start on the kept cluster (durable), on the one this object last ran (`keep`: a restart after
        `stop_immediately`), or on a fresh one in a temporary directory."""
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken: is another PostgreSQL running? (make down)")
        user = server_user()
        if self.kept_dir and self.durable:
            self.data_dir = self.kept_dir
            self.data_dir.mkdir(parents=True, exist_ok=True)
        elif keep and self.data_dir:
            pass
        else:  # a fresh directory every time, outside the checkout, so the postgres user can reach it
            self.data_dir = Path(tempfile.mkdtemp(prefix=f"hallmark-pg-{self.port}-"))
        if user:
            entry = pwd.getpwnam(user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        pgdata = self.data_dir / "data"
        binaries = bindir()
        self.created = not (pgdata / "PG_VERSION").exists()
        if self.created:
            initdb = [str(binaries / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            subprocess.run(
                initdb if self.durable else [*initdb, "--no-sync"], check=True, capture_output=True, user=user
            )
        options = [
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=400",
            "-c",
            f"unix_socket_directories={self.data_dir if len(str(self.data_dir)) < 80 else ''}",  # TCP is enough
            "-p",
            str(self.port),
        ]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        for setting in os.environ.get("HALLMARK_POSTGRES_OPTIONS", "").split():  # e.g. benchmarks/pgstat.py's
            options += ["-c", setting]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if user:
            entry = pwd.getpwnam(user)
            log_path.touch()
            os.chown(log_path, entry.pw_uid, entry.pw_gid)
        proc = spawn([str(binaries / "postgres"), "-D", str(pgdata), *options], log_path, user=user)
        self.pid = proc.pid
        wait_until(self._accepts, 60, "postgresql", alive=lambda: proc.poll() is None)

    def _accepts(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop_immediately(self) -> None:
        """pg_ctl's 'immediate' mode (SIGQUIT): no checkpoint, crash recovery at the next start (the
        fault suite); the data directory stays for `start(keep=True)`."""
        if self.pid:
            stop_pid(self.pid, timeout=20, sig=signal.SIGQUIT)
            self.pid = None
            wait_until(lambda: not port_open(self.port), 20, "postgresql's port released")

    def stop(self) -> None:
        if self.pid:
            stop_pid(self.pid, timeout=20, sig=signal.SIGINT)  # 'fast' shutdown
            self.pid = None
        if self.data_dir and not self.keeps_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir = None
