"""X2 for the chassis' admin operations that read PostgreSQL themselves (the unit role matrix checks
only their refusals): on a real database, the roles they admit get a documented answer, never a 5xx,
and the others are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.orders.api import create_app
from tests.infra import Harness
from tests.unit.roles.matrix import CALLERS, NEEDS_DATABASE, Operation, expected, headers

ANSWERS = {
    ("GET", "/admin/positions"): 200,
    ("GET", "/admin/dlq"): 200,
    ("POST", "/admin/dlq/{letter_id}/retry"): 404,  # no such letter
    ("POST", "/admin/dlq/{letter_id}/skip"): 404,
    ("GET", "/admin/timers"): 200,
}


def test_X2_admin_operations_on_the_database_answer_the_roles_they_admit(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    doc = client.get("/openapi.json").json()
    platform = runtime.settings.platform
    seen: dict[tuple[str, str], dict[str, int]] = {}
    want: dict[tuple[str, str], dict[str, int]] = {}
    for method, path in sorted(NEEDS_DATABASE):
        op = Operation("orders", method, path, doc["paths"][path][method.lower()])
        for caller in CALLERS:
            answer = client.request(method, path.replace("{letter_id}", "999"), headers=headers(caller, platform))
            assert answer.status_code in op.documented, (caller, op.key, answer.text)
            seen.setdefault(op.key, {})[caller] = answer.status_code
            rule = expected(op, caller)
            want.setdefault(op.key, {})[caller] = ANSWERS[op.key] if rule == op.success else rule  # type: ignore[assignment]
    assert seen == want
    positions = client.get("/admin/positions", headers=headers("auditor", platform)).json()
    assert positions["relay"]["topic"] == runtime.topic and positions["relay"]["dlq_open"] == 0
