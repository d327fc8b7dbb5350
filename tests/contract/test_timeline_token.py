"""X2: the orders timeline (which also takes its token as `?token=` for a browser) checks a token as
every other route does: the deployment's audience, not the development default. Found while making
its OpenAPI tell the truth: it verified with the default audience, so a deployment with its own
audience refused its own auditors there and admitted tokens minted for development."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.orders.api import create_app
from shared.runtime.identity import mint
from shared.runtime.settings import PlatformSettings
from tests.unit.orders.scenario import Scenario

AUDIENCE = "hallmark-eu-shop"


def test_X2_the_timeline_checks_the_deployments_audience_as_every_route_does() -> None:
    platform = PlatformSettings(jwt_audience=AUDIENCE)
    scenario = Scenario(platform=platform)
    order = scenario.place([("RING-STEEL-PEARL", 12)])
    client = TestClient(create_app(scenario.runtime), raise_server_exceptions=False)
    secret, issuer = platform.jwt_secret, platform.jwt_issuer
    foreign = mint(secret, issuer, "auditor", "aud-1", audience="hallmark-dev")
    own_customer = mint(secret, issuer, "customer", "cust-1", audience=AUDIENCE)
    own_auditor = mint(secret, issuer, "auditor", "aud-1", audience=AUDIENCE)
    path = f"/audit/orders/{order}"
    seen = {
        "foreign audience, header": client.get(f"{path}/timeline", headers={"authorization": f"Bearer {foreign}"}),
        "foreign audience, query": client.get(f"{path}/timeline", params={"token": foreign}),
        "own customer": client.get(f"{path}/timeline", params={"token": own_customer}),
        "own auditor, terms": client.get(
            f"{path}/terms", params={"at": "2026-03-02T10:00:00Z"}, headers={"authorization": f"Bearer {own_auditor}"}
        ),
    }
    assert {k: r.status_code for k, r in seen.items()} == {
        "foreign audience, header": 401,
        "foreign audience, query": 401,
        "own customer": 403,
        "own auditor, terms": 200,
    }
    assert [r.json()["errors"][0]["rule"] for r in list(seen.values())[:3]] == ["X2"] * 3
