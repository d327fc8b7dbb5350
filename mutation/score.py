"""Print the mutation score per module from mutmut's results (mutants/**/*.py.meta) and those of
mutation/decorated.py (mutants/decorated.json: the decorated functions mutmut does not mutate).

score = killed / (mutants - equivalent): the mutants listed in mutation/equivalent.md (a list item
starting with the mutant's name in backticks) are judged equivalent and left out. Exit 1 if any
other mutant survived or was not checked (the time limit ran out), so `make mutate` fails until
every non-equivalent mutant of the money and stock modules is killed.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
DECORATED = MUTANTS / "decorated.json"
EQUIVALENT = ROOT / "mutation" / "equivalent.md"
KILLED = {1, 3, -24, 24, 152, 255, 36}  # failed tests, pytest internal error, or a timeout (CPU or wall)
LISTED = re.compile(r"^\s*[-*]\s+`([^`]+__(?:mutmut|decorated)_\d+)`", re.MULTILINE)


def equivalents() -> set[str]:
    return set(LISTED.findall(EQUIVALENT.read_text())) if EQUIVALENT.exists() else set()


def results() -> dict[str, dict[str, int | None]]:
    """Row label -> mutant name -> exit code (None: not checked)."""
    rows: dict[str, dict[str, int | None]] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        rows[str(meta.relative_to(MUTANTS)).removesuffix(".meta")] = json.loads(meta.read_text())["exit_code_by_key"]
    if DECORATED.exists():
        for path, entry in sorted(json.loads(DECORATED.read_text()).items()):
            rows[f"{path} [decorated]"] = entry["exit_code_by_key"]
    return rows


def main() -> int:
    rows = results()
    if not rows:
        print("no results under mutants/: run `make mutate`", file=sys.stderr)
        return 2
    equivalent = equivalents()
    seen: set[str] = set()
    alive: list[str] = []
    unchecked: list[str] = []
    total = Counter[str]()
    print(f"{'module':<56} {'mutants':>7} {'killed':>6} {'equiv':>5} {'alive':>5} {'raw':>6} {'score':>6}")
    for label, codes in rows.items():
        killed = sum(1 for code in codes.values() if code in KILLED)
        equal = sum(1 for name, code in codes.items() if name in equivalent and code not in KILLED)
        seen |= codes.keys() & equivalent
        left = [name for name, code in codes.items() if code not in KILLED and name not in equivalent]
        alive += [name for name in left if codes[name] is not None]
        unchecked += [name for name in left if codes[name] is None]
        total.update(mutants=len(codes), killed=killed, equivalent=equal, alive=len(left))
        print(_row(label, len(codes), killed, equal, len(left)))
    print(_row("total", total["mutants"], total["killed"], total["equivalent"], total["alive"]))
    stale = sorted(equivalent - seen)
    if stale:
        print(f"\n{len(stale)} listed as equivalent but killed or no longer made (update {EQUIVALENT.name}):")
        print("\n".join(f"  {name}" for name in stale))
    if unchecked:
        print(f"\n{len(unchecked)} mutants not checked (the time limit ran out: raise MUTATE_TIMEOUT)")
    if alive:
        print(f"\n{len(alive)} mutants alive (mutmut: `.venv/bin/python mutation/mutmut_cli.py show NAME`;")
        print("decorated: `.venv/bin/python mutation/decorated.py --show NAME`):")
        print("\n".join(f"  {name}" for name in sorted(alive)))
    return 1 if alive or unchecked else 0


def _row(label: str, count: int, killed: int, equal: int, alive: int) -> str:
    raw = killed / count if count else 1.0
    score = killed / (count - equal) if count > equal else 1.0
    return f"{label:<56} {count:>7} {killed:>6} {equal:>5} {alive:>5} {raw:>6.1%} {score:>6.1%}"


if __name__ == "__main__":
    sys.exit(main())
