"""GET /orders/{id} answers from a cached view of the order only while it shows the store's newest
version (shared/runtime/http/views.py): a write by anyone (here the application itself, as the worker
or another API process writes) shows in the next GET, and visibility is checked on every request."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from services.orders.api import create_app
from services.orders.api.models import OrderPublic
from shared.runtime.http.shortcut import ViewShortcut
from tests.unit.orders.scenario import Scenario


def test_O4_a_get_shows_every_write_acknowledged_before_it_even_one_this_api_did_not_make() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    api = create_app(s.runtime)
    customer = s.headers()
    with TestClient(api) as client:
        first = client.get(f"/orders/{order_id}", headers=customer)
        again = client.get(f"/orders/{order_id}", headers=customer)
        assert len(api.state.views) == 1
        assert (first.json()["status"], again.content) == ("PendingPayment", first.content)
        s.reserve(order_id, ("RING-STEEL-PEARL", 20, 20))
        s.pay(order_id, 9000)  # the worker's writes, not through this API
        confirmed = client.get(f"/orders/{order_id}", headers=customer)
        s.app.cancel(order_id)
        cancelled = client.get(f"/orders/{order_id}", headers=customer)
    assert (confirmed.json()["status"], confirmed.json()["version"]) == ("Confirmed", s.order(order_id).version - 1)
    assert (cancelled.json()["status"], cancelled.json()["version"]) == ("Cancelled", s.order(order_id).version)


def test_O4_the_cached_body_is_the_response_model_of_the_replayed_order() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    s.reserve(order_id, ("RING-STEEL-PEARL", 20, 12))
    with TestClient(create_app(s.runtime)) as client:
        replies = [client.get(f"/orders/{order_id}", headers=s.headers()) for _ in range(2)]
        manager = client.get(f"/orders/{order_id}", headers=s.headers("account_manager", "am-1"))
    expected = OrderPublic.of(s.order(order_id)).model_dump(mode="json")
    for reply in replies:  # the bytes FastAPI's JSONResponse made of the response model before
        assert (reply.status_code, reply.headers["content-type"]) == (200, "application/json")
        assert reply.content == JSONResponse(expected).body and json.loads(reply.content) == expected
    assert manager.status_code == 403  # not one of the manager's customers: refused on a cached view too


def test_X2_a_cached_order_is_refused_to_other_customers_and_an_unknown_one_is_404() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    with TestClient(create_app(s.runtime), raise_server_exceptions=False) as client:
        assert client.get(f"/orders/{order_id}", headers=s.headers()).status_code == 200
        other = client.get(f"/orders/{order_id}", headers=s.headers("customer", "cust-2"))
        unknown = client.get("/orders/00000000-0000-4000-8000-000000000000", headers=s.headers())
    assert (other.status_code, other.json()["errors"][0]["rule"]) == (403, "X2")
    assert unknown.status_code == 404


def test_O4_the_shortcut_answers_the_routes_bytes_and_headers_and_leaves_everything_else_to_it() -> None:
    s = Scenario()
    order_id = s.place([("RING-STEEL-PEARL", 20)])
    api = create_app(s.runtime)
    answered: list[bytes] = []
    with TestClient(api, raise_server_exceptions=False) as client:
        built = client.get(f"/orders/{order_id}", headers=s.headers())  # a first read: the route builds the view
        stack = client.app.middleware_stack  # type: ignore[attr-defined]
        while not isinstance(stack, ViewShortcut):
            stack = stack.app
        original = stack.answer

        async def spy(scope: Any) -> bytes | None:
            body = await original(scope)
            answered.append(body or b"")
            return body

        stack.answer = spy  # type: ignore[method-assign]
        cached = client.get(f"/orders/{order_id}", headers=s.headers())
        refused = [
            client.get(f"/orders/{order_id}", headers=s.headers("customer", "cust-2")).status_code,
            client.get(f"/orders/{order_id}", headers={"authorization": "Bearer not.a.token"}).status_code,
            client.get(f"/orders/{order_id}").status_code,
            client.get(f"/orders/{str(order_id).upper()}", headers=s.headers()).status_code,
            client.get(f"/orders/{order_id}?as_of=2026-03-02T09:00:00Z", headers=s.headers()).status_code,
        ]
        metrics = client.get("/metrics").text
    assert answered[0] == cached.content == built.content and all(a == b"" for a in answered[1:])
    strip = {"x-correlation-id"}
    assert [(k, v) for k, v in cached.headers.items() if k not in strip] == [
        (k, v) for k, v in built.headers.items() if k not in strip
    ]
    assert refused == [403, 401, 401, 200, 403]  # the route's answers (a customer may not replay as of)
    served = (
        'hallmark_http_request_seconds_count{method="GET",route="/orders/{order_id}",service="orders",status="200"}'
    )
    assert f"{served} 3.0" in metrics  # the shortcut's answer counted under the route's path, as the route's two
