"""The chassis' HTTP layer on an in-memory service: one error shape (RFC 9457 problem details with
the field/rule list) for every kind of refusal, malformed tokens answered 401, the manual clock
bounded before anything is written, and /metrics served and documented as text."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from services.orders.api import ERRORS
from services.orders.api import create_app as orders_app
from services.orders.bootstrap import bootstrap as orders_bootstrap
from services.orders.settings import OrdersSettings
from shared.runtime.clock import ManualClock
from shared.runtime.http.app import create_api
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings

CID = {"x-correlation-id": "corr-test"}


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / "clock.json"


@pytest.fixture
def client(clock_file: Path) -> Iterator[TestClient]:
    runtime = orders_bootstrap(OrdersSettings(), persistence="memory", clock=ManualClock(clock_file))
    with TestClient(orders_app(runtime), raise_server_exceptions=False) as c:
        yield c


def token(role: str, subject: str = "someone", **extra: Any) -> dict[str, str]:
    platform = PlatformSettings()
    minted = mint(platform.jwt_secret, platform.jwt_issuer, role, subject, **extra)
    return {"authorization": f"Bearer {minted}", **CID}


def problem(status: int, title: str, instance: str, *errors: tuple[str | None, str, str]) -> dict[str, Any]:
    detail = "; ".join(f"{f}: {m}" if f else m for f, _, m in errors)
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "correlation_id": "corr-test",
        "errors": [{"field": f, "rule": r, "message": m} for f, r, m in errors],
    }


def test_X3_request_validation_is_a_problem_naming_each_field_and_rule(client: TestClient) -> None:
    answer = client.post("/carts/mine/items", json={"sku": "RING", "quantity": 0}, headers=token("customer"))
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == problem(
        422,
        "Unprocessable Entity",
        "/carts/mine/items",
        ("quantity", "greater_than", "Input should be greater than 0"),
    )


def test_X3_a_domain_error_is_a_problem_with_its_rule(client: TestClient) -> None:
    answer = client.get("/orders/3f0c8a52-7d1e-4b8e-9a43-2c5d7e9f1a01", headers=token("ops"))
    assert answer.status_code == 404
    body = answer.json()
    assert (body["title"], body["errors"][0]["field"], body["errors"][0]["rule"]) == ("Not Found", "order_id", "O4")


def test_X2_X3_refusals_of_the_chassis_are_problems_too(client: TestClient) -> None:
    missing = client.get("/admin/timers", headers=CID)
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, "Bearer")
    assert missing.json() == problem(
        401, "Unauthorized", "/admin/timers", ("authorization", "X2", "a bearer token is required")
    )
    forbidden = client.get("/admin/timers", headers=token("customer"))
    assert forbidden.json() == problem(
        403, "Forbidden", "/admin/timers", ("role", "X2", "customer may not do this (needs ops)")
    )
    unknown = client.get("/no/such/route", headers=CID)
    assert unknown.json() == problem(404, "Not Found", "/no/such/route", (None, "not_found", "Not Found"))
    wrong_method = client.delete("/livez", headers=CID)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"] == [
        {"field": None, "rule": "method_not_allowed", "message": "Method Not Allowed"}
    ]


def test_X3_a_crash_is_a_problem_without_internals() -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    api = create_api(orders_bootstrap(persistence="memory"), [router], ERRORS, title="t")
    with TestClient(api, raise_server_exceptions=False) as c:
        answer = c.get("/boom")
    assert (answer.status_code, answer.headers["content-type"]) == (500, "application/problem+json")
    assert answer.json()["errors"] == [
        {"field": None, "rule": "internal", "message": "an unexpected error; the log has the details"}
    ]
    assert "secret" not in answer.text


@pytest.mark.parametrize(
    "customers", ["cust-1", [1, 2], [{"id": "cust-1"}], None, [["nested"]], 42], ids=lambda v: repr(v)
)
def test_X2_an_account_manager_token_with_a_malformed_customers_claim_is_401(client: TestClient, customers) -> None:
    platform = PlatformSettings()
    now = int(time.time())
    claims = {"sub": "am-1", "role": "account_manager", "iss": "hallmark", "aud": "hallmark-dev", "iat": now}
    bad = jwt.encode({**claims, "exp": now + 60, "customers": customers}, platform.jwt_secret, algorithm="HS256")
    answer = client.get("/orders", headers={"authorization": f"Bearer {bad}", **CID})
    assert answer.status_code == 401
    [error] = answer.json()["errors"]
    assert (error["field"], error["rule"]) == ("authorization", "X2")
    assert error["message"].startswith("invalid token (claim customers")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"seconds": 1e12}', "Input should be less than or equal to 315360000"),
        ('{"seconds": 1e308}', "Input should be less than or equal to 315360000"),
        ('{"seconds": Infinity}', "Input should be a finite number"),
        ('{"seconds": NaN}', "Input should be a finite number"),
        ('{"seconds": -5}', "Input should be greater than 0"),
    ],
)
def test_X3_a_clock_advance_out_of_bounds_is_refused_and_writes_nothing(
    client: TestClient, clock_file: Path, body: str, message: str
) -> None:
    headers = {**token("ops"), "content-type": "application/json"}
    answer = client.post("/admin/clock/advance", content=body, headers=headers)
    assert (answer.status_code, answer.json()["errors"][0]["field"], answer.json()["errors"][0]["message"]) == (
        422,
        "seconds",
        message,
    )
    assert not clock_file.exists()
    assert client.get("/admin/clock", headers=token("ops")).status_code == 200


def test_X1_X3_the_manual_clock_stops_a_hundred_years_ahead(client: TestClient, clock_file: Path) -> None:
    decade = 10 * 365 * 86400
    for _ in range(10):
        assert client.post("/admin/clock/advance", json={"seconds": decade}, headers=token("ops")).status_code == 200
    written = clock_file.read_text()
    refused = client.post("/admin/clock/advance", json={"seconds": 1}, headers=token("ops"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "X1"
    assert clock_file.read_text() == written
    assert json.loads(written)["offset_seconds"] == 10 * decade
    assert client.get("/admin/clock", headers=token("ops")).json()["now"] > "2125"


def test_metrics_are_text_and_documented_as_text(client: TestClient) -> None:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert "# TYPE hallmark_http_request_seconds histogram" in answer.text
    documented = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]["responses"]
    assert list(documented) == ["200"] and list(documented["200"]["content"]) == ["text/plain"]


def test_X3_the_openapi_documents_every_error_as_a_problem(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["title", "status", "detail"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, response in responses.items():
                if int(status) >= 400 and (path, status) != ("/readyz", "503"):
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, f"{method} {path} {status}"
            if operation.get("security"):
                assert {"401", "403"} <= set(responses) or "x-roles" not in operation, f"{method} {path}"
                assert "401" in responses, f"{method} {path}"
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, f"{method} {path}"


def test_X2_the_operations_guide_names_the_roles_the_code_admits(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    guide = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    lines = [line.replace("\\|", "/") for line in guide.splitlines() if line.startswith(("| `GET /", "| `POST /"))]
    rows = [line.split("|")[1:3] for line in lines]
    documented = {}
    for endpoint, roles in rows:
        method = "GET"
        for one in endpoint.strip().split("`, `"):
            words = one.strip("` ").split(" ", 1)
            method, path = words if len(words) == 2 else (method, words[0])
            path = path.split("[")[0].split("?")[0].split("`")[0]
            paths = [path] if path.startswith("/") else [p for p in doc["paths"] if p.endswith(path)]
            for full in paths:
                documented[(method, re.sub(r"{[^}]+}", "{}", full))] = sorted(r.strip() for r in roles.split(","))
    code = {
        (method.upper(), re.sub(r"{[^}]+}", "{}", path)): sorted(
            op.get("x-roles", [] if op.get("security") else ["no token"])
        )
        for path, methods in doc["paths"].items()
        for method, op in methods.items()
        if (path.startswith("/admin/") and path != "/admin/sla-breaches") or path in ("/metrics", "/livez", "/readyz")
    }
    assert documented == code


def test_X3_card_errors_name_the_request_field() -> None:
    from services.payments.api import create_app as payments_app
    from tests.unit.payments.scenario import PaymentsScenario

    s = PaymentsScenario()
    order = s.placed(5400)
    with TestClient(payments_app(s.runtime)) as payments:
        amex = payments.post(
            f"/payments/{order}/goods/capture",
            json={"method": "card", "source": "3782 822463 10005"},
            headers={**s.token("customer", "cust-1"), "idempotency-key": "amex-1234"},
        )
    assert amex.status_code == 422
    assert [(e["field"], e["rule"]) for e in amex.json()["errors"]] == [("source", "P1")]
