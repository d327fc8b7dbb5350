"""X2 over every route of every service: each operation of the OpenAPI x ten callers gets the
status `matrix.expected` says, a documented one, never a 5xx; a refused call changes nothing; and
customer B or another account manager never receive A's order, ticket or hold ids."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from shared.runtime.http import health
from shared.runtime.settings import PlatformSettings
from tests.unit.roles.matrix import (
    AUDIT_READS,
    B_SIDE,
    CALLERS,
    NEEDS_DATABASE,
    Operation,
    denied,
    expected,
    headers,
)
from tests.unit.roles.worlds import WORLDS, World

DEFAULTS = {"letter_id": "1", "purpose": "goods", "carrier": "DHL", "sku": "RING-STEEL-PEARL"}


def operations() -> list[Operation]:
    found = []
    for service, build in WORLDS.items():
        doc = build().app().openapi()
        for path, methods in doc["paths"].items():
            found += [Operation(service, method.upper(), path, spec) for method, spec in methods.items()]
    return found


OPERATIONS = operations()
CLIENTS = {service: TestClient(build().app(), raise_server_exceptions=False) for service, build in WORLDS.items()}
"""One app per service (building one takes a while); each call points it at the world it is about."""


def call(client: TestClient, world: World, op: Operation, caller: str) -> Response:
    url = op.path.format(**{**DEFAULTS, **world.params})
    extra: dict[str, Any] = dict(world.requests.get(op.key, {}))
    given = {**extra.pop("headers", {}), **headers(caller, world.runtime.settings.platform)}
    if op.method in ("POST", "PUT") and "json" not in extra and "files" not in extra:
        extra["json"] = {}
    return client.request(op.method, url, headers=given, **extra)


def stored(world: World) -> int:
    return world.runtime.app.max_notification_id()


def test_X2_the_matrix_covers_every_operation_of_every_service() -> None:
    per_service = {s: sum(1 for op in OPERATIONS if op.service == s) for s in WORLDS}
    assert per_service == {"orders": 36, "inventory": 33, "payments": 33, "shipping": 26, "tickets": 27}
    assert all(op.secured or op.roles is None for op in OPERATIONS)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.service}:{op.method}:{op.path}")
def test_X2_every_caller_gets_the_status_the_rules_give_and_nothing_leaks(
    op: Operation, monkeypatch: pytest.MonkeyPatch
) -> None:
    kafka = PlatformSettings().kafka_bootstrap_servers  # /readyz: Kafka counts as down, without waiting for it
    monkeypatch.setitem(health._kafka_cache, kafka, (time.monotonic() + 3600, False))
    shared = WORLDS[op.service]()
    client = CLIENTS[op.service]
    observed: dict[str, int] = {}
    faults: list[str] = []
    for caller in CALLERS:
        refused = denied(op, caller)
        if (op.key in NEEDS_DATABASE or op.key in AUDIT_READS) and not refused:
            continue
        world = WORLDS[op.service]() if op.mutates and not refused else shared
        client.app.state.runtime = world.runtime  # type: ignore[attr-defined]
        before = stored(world)
        answer = call(client, world, op, caller)
        observed[caller] = answer.status_code
        if answer.status_code not in op.documented:
            faults.append(f"{caller}: {answer.status_code} is not documented ({answer.text[:160]})")
        content = op.spec["responses"].get(str(answer.status_code), {}).get("content", {})
        if "application/problem+json" in content and answer.headers["content-type"] != "application/problem+json":
            faults.append(f"{caller}: {answer.status_code} is not a problem")
        if refused and stored(world) != before:
            faults.append(f"{caller}: refused, yet something was stored")
        if refused and answer.json()["errors"][0]["rule"] != "X2":
            faults.append(f"{caller}: refused without naming X2")
        if caller in B_SIDE and answer.is_success and any(s in answer.text for s in world.secrets):
            faults.append(f"{caller}: got A's data: {answer.text[:160]}")
    want = {caller: expected(op, caller) or observed["none"] for caller in observed}
    assert (observed, faults) == (want, [])
