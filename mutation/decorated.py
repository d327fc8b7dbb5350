"""The mutants mutmut does not make: mutmut 3 leaves decorated functions alone (its trampoline cannot
wrap them), so the bodies that apply an aggregate's events (eventsourcing's `@event` methods, e.g.
`Sku._adjust`, `DepositAccount._debit`), `@property` values (`Sku.available`) and the methods of
decorated classes (dataclasses) would go untested. This small AST mutator covers them.

For each module of `[tool.mutmut] only_mutate` it mutates, one at a time, every comparison and
arithmetic operator, integer and boolean constant, `if` test, returned value, keyword argument and
simple statement of those functions; it swaps the mutated code into the live function (its
`__code__`, so the decorator's wrapper runs it) in a forked process and runs that service's unit
tests there (`tests/unit/<service>`, stopping at the first failure). Results go to
mutants/decorated.json, named `<module>.<qualname>__decorated_<n>`; mutation/score.py reads them
with mutmut's. A canary per function (its body replaced by `raise`) proves the swap reaches it, and
a control per test directory (the code swapped in unchanged) proves the tests pass in the child.

    python mutation/decorated.py [--max-children 2] [--timeout 1200] [--show NAME]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import fnmatch
import gc
import importlib
import io
import json
import os
import signal
import sys
import time
import tomllib
import types
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "mutants" / "decorated.json"
SKIPPED_DECORATORS = {"staticmethod", "classmethod"}  # mutmut mutates these itself
Path_ = tuple[tuple[str, int | None], ...]

SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    name: str
    module: str
    path: str
    qualname: str
    where: Path_
    kind: str  # op | assign | const | none | not | pass | raise, or same (a control: no change)
    line: int
    change: str
    tests: str


def targets(tree: ast.Module) -> list[tuple[str, ast.FunctionDef]]:
    """(qualname, node) of each function mutmut skips: decorated (other than static/class methods)
    or a method of a decorated class."""
    found: list[tuple[str, ast.FunctionDef]] = []

    def visit(body: list[ast.stmt], prefix: str, class_decorated: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.", class_decorated or bool(node.decorator_list))
            elif isinstance(node, ast.FunctionDef):
                decorated = any(
                    not (isinstance(d, ast.Name) and d.id in SKIPPED_DECORATORS) for d in node.decorator_list
                )
                if decorated or class_decorated:
                    found.append((f"{prefix}{node.name}", node))

    visit(tree.body, "", False)
    return found


def children(node: ast.AST) -> list[tuple[tuple[str, int | None], ast.AST]]:
    out: list[tuple[tuple[str, int | None], ast.AST]] = []
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            out += [((field, i), item) for i, item in enumerate(value) if _mutable(item)]
        elif _mutable(value):
            out.append(((field, None), value))
    return out


def _mutable(node: object) -> bool:
    """A node that can carry a mutation (not a context marker or an operator, which are fields)."""
    markers = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop)
    return isinstance(node, ast.AST) and not isinstance(node, markers)


def sites(function: ast.FunctionDef) -> list[tuple[Path_, str, str]]:
    """(path from the function, kind, change) of every mutation of a function's body."""
    found: list[tuple[Path_, str, str]] = [((), "raise", "the whole body -> raise (canary)")]

    def walk(node: ast.AST, path: Path_) -> None:
        for (field, index), child in children(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            here = (*path, (field, index))
            if _is_docstring(child):  # a docstring, or an attribute's
                continue
            mutate(child, here)
            walk(child, here)

    def mutate(node: ast.AST, path: Path_) -> None:
        text = _source(node)
        if isinstance(node, (ast.BinOp, ast.AugAssign, ast.BoolOp)) and type(node.op) in SWAPS:
            found.append((path, "op", f"{text} : {type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"))
        if isinstance(node, ast.AugAssign):
            found.append((path, "assign", f"{text} -> plain assignment"))
        if isinstance(node, ast.Compare):
            found.extend(
                ((*path, ("ops", i)), "op", f"{text} : {type(op).__name__} -> {SWAPS[type(op)].__name__}")
                for i, op in enumerate(node.ops)
                if type(op) in SWAPS
            )
        if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
            found.append((path, "const", f"{text} -> {_bumped(node.value)!r}"))
        if isinstance(node, ast.If):
            found.append(((*path, ("test", None)), "not", f"if {_source(node.test)} -> if not (...)"))
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(((*path, ("value", None)), "none", f"{text} -> return None"))
        if isinstance(node, ast.keyword):
            found.append(((*path, ("value", None)), "none", f"{text} -> {node.arg}=None"))
        if isinstance(node, ast.Assign):
            found.append(((*path, ("value", None)), "none", f"{text} -> ... = None"))
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr, ast.Delete)):
            found.append((path, "pass", f"{text} -> pass"))

    for index, statement in enumerate(function.body):
        if not _is_docstring(statement):
            mutate(statement, (("body", index),))
            walk(statement, (("body", index),))
    return found


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _source(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 90 else text[:87] + "..."


def _bumped(value: Any) -> Any:
    """An integer plus one, a boolean negated."""
    if isinstance(value, bool):
        return not value
    assert isinstance(value, int)
    return value + 1


def resolve(root: ast.AST, path: Path_) -> tuple[ast.AST, tuple[str, int | None] | None, ast.AST]:
    """(parent, (field, index) in the parent, node) at `path` from `root`."""
    parent: ast.AST = root
    step: tuple[str, int | None] | None = None
    node: ast.AST = root
    for field, index in path:
        parent, step = node, (field, index)
        value = getattr(node, field)
        node = value[index] if index is not None else value
    return parent, step, node


def put(parent: ast.AST, step: tuple[str, int | None], new: Any) -> None:
    field, index = step
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def apply(function: ast.FunctionDef, mutant: Mutant) -> None:
    """Mutate `function` (a copy) in place."""
    if mutant.kind == "same":  # a control: the code as it is, swapped in the same way
        return
    if mutant.kind == "raise":
        function.body = [ast.Raise(exc=ast.Call(ast.Name("RuntimeError", ast.Load()), [], []), cause=None)]
        return
    parent, step, node = resolve(function, mutant.where)
    assert step is not None
    if mutant.kind == "op":
        if isinstance(node, (ast.BinOp, ast.AugAssign, ast.BoolOp)):
            node.op = SWAPS[type(node.op)]()
        else:  # a comparison operator
            put(parent, step, SWAPS[type(node)]())
    elif mutant.kind == "assign":
        assert isinstance(node, ast.AugAssign)
        put(parent, step, ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno))
    elif mutant.kind == "const":
        assert isinstance(node, ast.Constant)
        node.value = _bumped(node.value)
    elif mutant.kind == "none":
        put(parent, step, ast.Constant(None))
    elif mutant.kind == "not":
        assert isinstance(node, ast.expr)
        put(parent, step, ast.UnaryOp(ast.Not(), node))
    elif mutant.kind == "pass":
        put(parent, step, ast.Pass())


def module_of(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def tests_for(path: str) -> str:
    service = Path(path).parts[1]  # services/<service>/...
    return f"tests/unit/{service}"


def collect(paths: list[str]) -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in paths:
        tree = ast.parse((ROOT / path).read_text())
        for qualname, function in targets(tree):
            if not any(m.tests == tests_for(path) for m in mutants):  # a control per test directory
                control = f"{module_of(path)}.{qualname}__control"
                mutants.append(Mutant(control, module_of(path), path, qualname, (), "same", 0, "none", tests_for(path)))
            for n, (where, kind, change) in enumerate(sites(function), 1):
                line = resolve(function, where)[2].__dict__.get("lineno", function.lineno)
                name = f"{module_of(path)}.{qualname}__decorated_{n}"
                tests = tests_for(path)
                mutants.append(Mutant(name, module_of(path), path, qualname, where, kind, line, change, tests))
    return mutants


def mutated_code(mutant: Mutant) -> types.CodeType:
    tree = ast.parse((ROOT / mutant.path).read_text())
    function = copy.deepcopy(dict(targets(tree))[mutant.qualname])
    apply(function, mutant)
    module = ast.Module(body=[function], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, str(ROOT / mutant.path), "exec")
    found = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


def swap_in(mutant: Mutant) -> None:
    """Give the live function(s) the mutant's code."""
    importlib.import_module(mutant.module)
    filename = str(ROOT / mutant.path)
    name = mutant.qualname.rsplit(".", 1)[-1]
    live = [
        f
        for f in gc.get_objects()
        if isinstance(f, types.FunctionType)
        and f.__code__.co_filename == filename
        and f.__code__.co_qualname == mutant.qualname
    ]
    if not live:
        raise LookupError(f"no live function {mutant.qualname} in {mutant.path}")
    code = mutated_code(mutant).replace(co_name=name, co_qualname=mutant.qualname)
    for function in live:
        function.__code__ = code


OUT_OF_PROCESS = ("tests/unit/payments/test_sandbox.py",)
"""Tests of the payment sandbox, which runs in a subprocess that a swapped-in mutant never reaches (its
timeouts only make a run on a busy machine flaky)."""

NOT_APPLIED = 40
"""A child's exit code when the mutant could not be swapped in (an error of this tool, never a kill)."""


def run_one(mutant: Mutant, selection: str | None, report: int) -> int:
    """In a forked child: swap the mutant in and run the service's unit tests (or only `selection`);
    the pytest exit code, and the first failed test's id written to the `report` pipe."""
    import pytest

    try:
        swap_in(mutant)
    except Exception as error:
        print(f"cannot swap in {mutant.name}: {error!r}", file=sys.stderr, flush=True)
        return NOT_APPLIED
    failed = Failed()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        ignore = [f"--ignore={path}" for path in OUT_OF_PROCESS]
        args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *ignore, selection or mutant.tests]
        code = int(pytest.main(args, [failed]))
    os.write(report, (failed.nodeids[0] if failed.nodeids else "").encode())
    return code


class Failed:
    """A pytest plugin that notes the tests that failed (the one that killed the mutant)."""

    def __init__(self) -> None:
        self.nodeids: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self.nodeids.append(report.nodeid)


def warm_up(mutants: list[Mutant]) -> None:
    """Import what the tests import, once, before forking (each child then starts at once)."""
    import pytest  # noqa: F401

    for module in sorted({m.module for m in mutants}):
        importlib.import_module(module)
    for tests in sorted({m.tests for m in mutants}):
        for path in sorted((ROOT / tests).glob("*.py")):
            importlib.import_module(str(path.relative_to(ROOT).with_suffix("")).replace("/", "."))


@dataclass(frozen=True)
class Job:
    mutant: Mutant
    selection: str | None = None  # a single test: confirming a kill
    attempt: int = 0


def run(mutants: list[Mutant], max_children: int, deadline: float, per_mutant: float) -> dict[str, Any]:
    """Each mutant against its tests, `max_children` at once. A kill is confirmed by running the
    test that failed once more on its own; if it passes then (a test that fails only on a busy
    machine), the whole directory runs again and decides. A failed control also gets a second run."""
    results: dict[str, Any] = {m.name: {"exit_code": None, "killed_by": None} for m in mutants}
    running: dict[int, tuple[Job, float, int]] = {}
    queue = [Job(m) for m in mutants]
    while queue or running:
        while queue and len(running) < max_children and time.monotonic() < deadline:
            job = queue.pop(0)
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                try:
                    code = run_one(job.mutant, job.selection, write)
                except BaseException:
                    code = 3  # the swapped-in code broke pytest itself: a kill
                os._exit(code)
            os.close(write)
            running[pid] = (job, time.monotonic(), read)
        if not running:
            break
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            time.sleep(0.05)
            for child, (_, started, _) in list(running.items()):
                if time.monotonic() - started > per_mutant:
                    os.kill(child, signal.SIGKILL)
            continue
        job, _, read = running.pop(pid)
        with os.fdopen(read) as pipe:
            failed = pipe.read()
        code = os.waitstatus_to_exitcode(status)
        code = 36 if code == -signal.SIGKILL else code  # 36: timed out, a kill
        mutant, entry = job.mutant, results[job.mutant.name]
        if job.selection is None:
            entry.update(exit_code=code, killed_by=failed or None)
        if code == 1 and failed and job.attempt == 0:
            queue.insert(0, Job(mutant, failed, 1))  # confirm the kill
            continue
        if job.selection is not None and code == 0:
            print(f"        {entry['killed_by']} passed alone: running the whole directory again", flush=True)
            queue.insert(0, Job(mutant, None, 2))
            continue
        if mutant.kind == "same" and code != 0 and job.attempt == 0:
            queue.insert(0, Job(mutant, None, 2))
            continue
        code = entry["exit_code"]
        verdict = {0: "alive", 1: "killed", NOT_APPLIED: "NOT APPLIED"}.get(code, f"killed (exit code {code})")
        print(f"{verdict:<7} {mutant.name}  {mutant.change}", flush=True)
        if entry["killed_by"]:
            print(f"        by {entry['killed_by']}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds for the whole run")
    parser.add_argument("--per-mutant", type=float, default=300.0, help="seconds before a mutant counts as a hang")
    parser.add_argument("--show", help="print one mutant's change and stop")
    parser.add_argument("--only", help="run only the mutants (and controls) whose name matches this glob")
    args = parser.parse_args()
    os.chdir(ROOT)
    warnings.simplefilter("ignore")  # the imports' deprecation notices; pytest sets its own filters
    sys.path.insert(0, str(ROOT))
    # The unit tests need no Kafka or PostgreSQL: say so, so that pytest's header does not look for Docker.
    os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    os.environ.setdefault("DATABASE_URL", "postgresql://unused@127.0.0.1:1/unused")
    paths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    mutants = collect(paths)
    if args.only:
        mutants = [m for m in mutants if m.kind == "same" or fnmatch.fnmatch(m.name, args.only)]
    if args.show:
        [mutant] = [m for m in mutants if m.name == args.show]
        print(json.dumps(asdict(mutant), indent=2))
        return 0
    print(f"{len(mutants)} mutants in {len({(m.path, m.qualname) for m in mutants})} decorated functions", flush=True)
    warm_up(mutants)
    results = run(mutants, args.max_children, time.monotonic() + args.timeout, args.per_mutant)
    codes = {name: entry["exit_code"] for name, entry in results.items()}
    broken = [m.name for m in mutants if codes[m.name] == NOT_APPLIED or (m.kind == "same" and codes[m.name])]
    if broken:
        print(f"the tool failed (a control was killed, or a mutant could not be swapped in): {broken}")
        return 2
    RESULTS.parent.mkdir(exist_ok=True)
    by_module: dict[str, dict[str, Any]] = {}
    for mutant in mutants:
        if mutant.kind == "same":
            continue
        entry = by_module.setdefault(mutant.path, {"exit_code_by_key": {}, "changes": {}, "killed_by": {}})
        entry["exit_code_by_key"][mutant.name] = codes[mutant.name]
        entry["changes"][mutant.name] = f"line {mutant.line}: {mutant.change}"
        entry["killed_by"][mutant.name] = results[mutant.name]["killed_by"]
    if not args.only:  # a partial run is printed, not recorded
        RESULTS.write_text(json.dumps(by_module, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
