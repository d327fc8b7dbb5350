"""schemathesis over one service's OpenAPI, in process (X3: the OpenAPI tells the truth).

Each operation gets, first, one request per role (customer A, A's account manager, ops, an auditor)
on a world that holds real things (`tests/unit/roles/worlds.py`): the path parameters name A's real
order, SKU, hold, ticket, photo, and the body is one the rules accept, so placing, checkout,
capture, picking, receipts and tickets actually happen, not only 404s. Then `FUZZ_EXAMPLES`
generated requests (schema-valid and schema-breaking ones), each with one of the four tokens and,
one in two, the world's real ids in the path. Every response must pass not_a_server_error, status_code_conformance and
response_schema_conformance. Hypothesis is derandomized: the same code gives the same requests.
Failures are collected (not shrunk) so one run reports them all."""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from shared.runtime.settings import PlatformSettings
from tests.unit.roles.matrix import headers

FUZZ_EXAMPLES = int(os.environ.get("HALLMARK_FUZZ_EXAMPLES", "24"))
"""Requests per operation (over all roles); `make test` keeps it small, set it higher to dig."""
ROLES = ("customer_a", "manager_a", "ops", "auditor")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
Seed = dict[tuple[str, str], dict[str, Any]]
ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass
class Tally:
    """What one service's fuzz sent and what failed (one line per operation, check and status)."""

    service: str
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    crashes: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent per operation (generation, request, checks)."""

    def took(self, operation: str, started: float) -> None:
        self.seconds[operation] = self.seconds.get(operation, 0.0) + time.perf_counter() - started

    def line(self) -> str:
        codes = " ".join(f"{s}:{n}" for s, n in sorted(self.statuses.items()))
        slowest = ", ".join(f"{op} {s:.1f} s" for op, s in sorted(self.seconds.items(), key=lambda i: -i[1])[:2])
        took = sum(self.seconds.values())
        return (
            f"{self.service}: {self.sent} requests ({codes}), {len(self.failures)} failures"
            f" in {took:.1f} s (slowest: {slowest})"
        )


TALLIES: list[Tally] = []
"""Every tally of this session, for the terminal summary (tests/contract/conftest.py)."""


def catching(app: FastAPI, crashes: Counter[str]) -> ASGI:
    """The app, answering 500 on an unhandled error (as uvicorn would) instead of raising into the test;
    the error is kept for the report."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            crashes[f"{scope.get('method')} {scope.get('path')}: {exc!r:.160} at {where.filename}:{where.lineno}"] += 1

    return wrapped


@contextmanager
def quiet() -> Iterator[None]:
    """One log line per request would cost more than the request."""
    logger = logging.getLogger("hallmark")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def seeded(operation: Any, key: tuple[str, str], params: dict[str, str], bodies: Seed, token: str) -> Any:
    """A case on the world's real things with the body the rules accept (None if a path parameter is unknown)."""
    names = [p.name for p in operation.path_parameters]
    if any(name not in params for name in names):
        return None
    given_ = bodies.get(key, {})
    extra: dict[str, Any] = {}
    if "json" in given_:
        extra["body"], extra["media_type"] = given_["json"], "application/json"
    if "files" in given_:
        files = given_["files"]
        extra["body"] = {name: content for name, (_, content, _) in files.items()}
        extra["media_type"] = "multipart/form-data"
        extra["multipart_content_types"] = {name: kind for name, (_, _, kind) in files.items()}
    return operation.Case(
        path_parameters={name: params[name] for name in names},
        query=dict(given_.get("params", {})) or None,
        headers={**given_.get("headers", {}), "authorization": token},
        **extra,
    )


def ending(key: tuple[str, str]) -> bool:
    """Operations that end or remove what they name (cancel, delete): seeded last, so the others act on
    a live order, cart, hold."""
    method, path = key
    return method == "DELETE" or path.endswith("/cancel")


def fuzz(
    tally: Tally,
    app: FastAPI,
    platform: PlatformSettings,
    *,
    params: dict[str, str],
    bodies: Seed | None = None,
    only: Callable[[str, str], bool] = lambda method, path: True,
    examples: int = FUZZ_EXAMPLES,
) -> Tally:
    """Fuzz every operation of `app` that `only(METHOD, path)` admits; add what happened to `tally`.

    First the seeded requests of every operation (writes, then reads, then `ending` ones), then the
    generated ones, operation after operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", catching(app, tally.crashes))
    tokens = {role: headers(role, platform)["authorization"] for role in ROLES}
    operations: dict[tuple[str, str], Any] = {}
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            tally.failures[f"unreadable operation: {result.err()}"] = ""
            continue
        key = (result.ok().method.upper(), result.ok().path)
        if only(*key):
            operations[key] = result.ok()
    with quiet():
        for key in sorted(operations, key=lambda k: (ending(k), k[0] == "GET")):
            for role, token in tokens.items():
                case = seeded(operations[key], key, params, bodies or {}, token)
                if case is not None:
                    started = time.perf_counter()
                    _send(tally, operations[key], case, role)
                    tally.took(operations[key].label, started)
        for operation in operations.values():
            started = time.perf_counter()
            _generated(tally, operation, tokens, params, examples)
            tally.took(operation.label, started)
    return tally


def _generated(tally: Tally, operation: Any, tokens: dict[str, str], params: dict[str, str], examples: int) -> None:
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(SETTINGS, max_examples=examples)
    @given(case=cases, role=st.sampled_from(ROLES), real_ids=st.booleans())
    def run(case: Any, role: str, real_ids: bool) -> None:
        for name in list(case.path_parameters or {}) if real_ids else ():
            case.path_parameters[name] = params.get(name, case.path_parameters[name])
        case.headers["authorization"] = tokens[role]
        _send(tally, operation, case, role)

    run()


def _send(tally: Tally, operation: Any, case: Any, role: str) -> None:
    response = case.call()
    tally.sent += 1
    tally.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        for failure in group.exceptions:
            label = f"{operation.label} [{role}] {failure.title}: {response.status_code}"
            tally.failures.setdefault(label, f"{str(failure)[:200]} | {response.text[:200]}")
