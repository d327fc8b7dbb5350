"""The README's quick start as a test runs it: its shell blocks, in order, in one bash session, with
the addresses of `make up`'s stack rewritten to those of the stack under test (the only change)."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

from tools.launcher.config import Ports
from tools.launcher.procs import repo_root

SECTION = "## Quick start: one whole order"


def quick_start_blocks() -> list[str]:
    """Every ```sh block between the quick start's heading and the next section."""
    text = (repo_root() / "README.md").read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def for_stack(script: str, ports: Ports) -> str:
    """`make up`'s addresses (127.0.0.1:8001 ...) moved to `ports`; refuses a script that would still
    reach one of them."""
    default = Ports()
    moves = {default.services[s]: ports.services[s] for s in default.services}
    moves |= {default.carrier: ports.carrier, default.payment_gateway: ports.payment_gateway}
    rewritten = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: f"127.0.0.1:{moves.get(int(m[1]), int(m[1]))}", script)
    left = {int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", rewritten)} & set(moves)
    assert not left, f"the README reaches ports the test did not move: {left}"
    return rewritten


def run_blocks(
    blocks: list[str], ports: Ports, *, timeout: float = 300, tail: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the blocks in one `bash -e -o pipefail` from the checkout (where `.venv/bin/hallmark` is)."""
    script = for_stack("\n".join(blocks) + tail, ports)
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def json_lines(output: str) -> list[Any]:
    """The JSON documents the blocks printed, one per line (other lines are skipped)."""
    found = []
    for line in output.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found
