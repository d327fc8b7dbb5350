"""Summarise a py-spy profile in collapsed ("raw") format: where the sampled time went.

`python -m benchmarks.profile FILE [N]` prints, as shares of all samples: the time at the top of the
stack by package (psycopg, faust, pydantic, ...), and the N (default 25) functions with the most
samples on the stack (inclusive) and at its top (self).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^:)]*)(?::\d+)?\)$")


def frame_name(frame: str) -> tuple[str, str]:
    """(function (file), package) of one collapsed frame such as `f (psycopg/cursor.py:12)`."""
    match = FRAME.match(frame)
    if not match:
        return frame, "?"
    path = match["path"]
    parts = path.split("/")
    package = parts[0] if len(parts) > 1 else "stdlib:" + path.removesuffix(".py")
    if package in ("shared", "services"):
        package = "/".join(parts[:2])
    return f"{match['function']} ({parts[-1]})", package


def summarise(path: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_name(f) for f in stack.split(";")]
        for name in {name for name, _ in frames}:
            inclusive[name] += n
        own[frames[-1][0]] += n
        packages[frames[-1][1]] += n
    total = max(total, 1)
    lines = [f"{path.name}: {total} samples"]
    for title, counter in (("self, by package", packages), ("inclusive", inclusive), ("self", own)):
        lines.append(f"-- {title}")
        lines += [f"{n / total:7.1%}  {name}" for name, n in counter.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 25))
