"""Apache Kafka in KRaft mode from Maven Central's jars, on the machine's Java 17 (the broker, and
Kafka's own command-line tools from the same jars)."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tools.launcher.procs import home, port_open, repo_root, spawn, stop_pid, wait_until

POM = repo_root() / "deploy" / "local" / "pom.xml"


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    if not match:
        raise RuntimeError("deploy/local/pom.xml has no kafka.version")
    return match.group(1)


JVM_OPTIONS = ("-Xms256m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
"""A small broker that starts fast (a crash restart is mostly JVM start-up on a busy machine): the
serial collector and the client compiler only; a local broker's throughput needs neither G1 nor C2."""


def ensure_jars() -> Path:
    """Fetch the pinned Kafka jars once (Maven's dependency:copy-dependencies); a changed pom fetches
    again into a directory of its own."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:8]
    libs = home() / "kafka-libs" / f"{kafka_version()}-{digest}"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise RuntimeError("Java 17 and Maven are needed to fetch and run Kafka (apt-get install maven)")
    tmp = libs.with_suffix(".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        check=True,
    )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.touch()
    return libs


def java_command(libs: Path, *options: str) -> list[str]:
    """`java` with Kafka's jars on the classpath and the launcher's log4j configuration."""
    log4j = repo_root() / "deploy" / "local" / "log4j2.yaml"
    return ["java", *options, "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*"]


@dataclass
class KafkaNode:
    port: int
    controller_port: int
    run_dir: Path
    partitions: int = 6
    durable: bool = True
    """Keep the log (`<run dir>/kafka-data`) across stops; False: wiped at every start."""
    pid: int | None = field(default=None)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, *, fresh: bool = False, keep: bool = False) -> None:
        """Start the broker on the log it kept (durable, or `keep`: a throwaway broker restarted after a
        crash), or on an empty one (throwaway, or `fresh`)."""
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken: is another Kafka running? (make down)")
        libs = ensure_jars()
        data = self.run_dir / "kafka-data"
        if fresh or not (self.durable or keep):
            shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True, exist_ok=True)
        template = (repo_root() / "deploy" / "local" / "server.properties").read_text()
        config = self.run_dir / "kafka-server.properties"
        config.write_text(
            template.replace("@PORT@", str(self.port))
            .replace("@CONTROLLER_PORT@", str(self.controller_port))
            .replace("@DATA_DIR@", str(data))
        )
        tmp = self.run_dir / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        java = java_command(libs, *JVM_OPTIONS, f"-Djava.io.tmpdir={tmp}")
        if not (data / "meta.properties").exists():  # formatted once; a kept log keeps its cluster id
            subprocess.run(
                [*java, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)],
                check=True,
                capture_output=True,
            )
        proc = spawn([*java, "kafka.Kafka", str(config)], self.run_dir / "logs" / "kafka.log")
        self.pid = proc.pid
        wait_until(lambda: port_open(self.port), 60, "kafka", alive=lambda: proc.poll() is None)

    def stop(self) -> None:
        if self.pid:
            stop_pid(self.pid, timeout=20)
            self.pid = None

    def kill(self) -> None:
        """kill -9, as a crash would (the fault suite): the log stays for `start(keep=True)`."""
        if self.pid:
            stop_pid(self.pid, timeout=20, sig=signal.SIGKILL)
            self.pid = None
            wait_until(lambda: not port_open(self.port), 20, "kafka's port released")


def _cluster_id() -> str:
    """A random cluster id, never starting with '-' (StorageTool would read it as an option; Kafka's own
    Uuid.randomUuid() draws again for the same reason): 1 format in 64 failed before."""
    import base64

    while (found := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))[0] == "-":
        pass
    return found
