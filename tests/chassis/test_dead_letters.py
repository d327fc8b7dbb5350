"""Poison messages go to `<topic>.dlq` (and the ops list) and the consumer goes on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
from fastapi.testclient import TestClient

from services.inventory.api import create_app
from shared.events import Money
from shared.events.orders import OrderLine, OrderPlaced
from shared.runtime.identity import mint
from tests.infra import Harness, eventually
from tests.kafka_helpers import produce, read_all
from tests.unit.messages import message_bytes

SKU = "EAR-RESIN-HOOP"


def order_placed(order_id: str, quantity: int) -> bytes:
    payload = OrderPlaced(
        order_id=order_id,
        customer_id="cust-9",
        lines=[OrderLine(sku=SKU, quantity=quantity, unit_price=Money(amount_minor=320, currency="USD"))],
        total=Money(amount_minor=320 * quantity, currency="USD"),
        placed_at=datetime.now(UTC),
    )
    return message_bytes("OrderPlaced", payload, correlation_id="corr-dlq")


def test_undecodable_message_is_dead_lettered_and_the_next_is_processed(harness: Harness) -> None:
    inventory = harness.runtime("inventory")
    inventory.app.catalogue(
        code=SKU, name="Hoops", unit_price_minor=320, currency="USD", moq=1, weight_grams=8, on_hand=50
    )
    harness.start_worker("inventory")
    topic = f"{harness.prefix}orders.events"
    order_id = str(uuid.uuid4())
    produce(
        harness.infra.bootstrap,
        topic,
        [
            (order_id.encode(), b"{not json", [("notification_id", b"1")]),
            (order_id.encode(), order_placed(order_id, 5), [("notification_id", b"2")]),
        ],
    )

    # The good message after the bad one is applied.
    eventually(lambda: inventory.app.get_reservation(order_id), what="reservation after poison message")
    assert inventory.app.get_sku(SKU).reserved == 5

    # The bad one is on the DLQ topic, with the error and its original headers ...
    dlq = eventually(lambda: read_all(harness.infra.bootstrap, f"{topic}.dlq"), what="DLQ record")
    assert len(dlq) == 1
    headers = dict((k, v.decode()) for k, v in dlq[0].headers)
    assert headers["notification_id"] == "1"
    assert headers["error"].startswith("value: not JSON")
    assert headers["consumer"] == "inventory"
    assert dlq[0].value == b"{not json"

    # ... and in the ops list, where it can be retried (still failing) or skipped.
    client = TestClient(create_app(inventory))
    secret = inventory.settings.platform.jwt_secret
    ops = {"authorization": f"Bearer {mint(secret, 'hallmark', 'ops', 'op-1')}"}
    customer = {"authorization": f"Bearer {mint(secret, 'hallmark', 'customer', 'cust-9')}"}
    letters = client.get("/admin/dlq", headers=ops).json()
    assert [(x["topic"], x["notification_id"], x["status"]) for x in letters] == [(topic, 1, "open")]
    assert client.get("/admin/dlq").status_code == 401
    assert client.get("/admin/dlq", headers=customer).status_code == 403
    retry = client.post(f"/admin/dlq/{letters[0]['id']}/retry", headers=ops)
    assert retry.status_code == 409 and "not JSON" in retry.json()["detail"]
    assert client.post(f"/admin/dlq/{letters[0]['id']}/skip", headers=ops).json()["status"] == "skipped"
    assert client.get("/admin/dlq", headers=ops).json() == []
    with psycopg.connect(inventory.settings.dsn) as conn:
        row = conn.execute("SELECT status, resolved_by FROM hallmark_dead_letters").fetchone()
    assert row == ("skipped", "op-1")
