"""A day of mixed orders through the running system (issue: money is never kept, lost or taken twice):
a free cancellation, a fraud-review rejection, a change down, a change up, a bank transfer settled by
the account manager, and an order left unpaid until its payment window closes. For each order, what
payments holds (captured/settled minus refunded) equals what the order says was paid and not given
back, equals what the shop should keep; and no order is left stuck.

Every order is drawn for the fraud check here (P5 share 1), so ops approve or reject each one."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra import eventually
from tests.integration.client import SystemClient
from tests.integration.test_walking_skeleton import CHECKOUT
from tools.launcher.stack import Stack

SYSTEM_ENV = {"PAYMENTS_FRAUD_SHARE": "1"}
RING = 450  # RING-STEEL-PEARL, MOQ 12
CARD = {"method": "card", "source": "4111 1111 1111 1111"}


@pytest.fixture(scope="module")
def client(own_clock_system: Stack) -> Iterator[SystemClient]:
    c = SystemClient(own_clock_system)
    yield c
    c.http.close()


class Day:
    def __init__(self, client: SystemClient) -> None:
        self.client = client
        self.ops = client.token("ops", "ops-1")

    def customer(self) -> tuple[str, dict[str, str]]:
        name = f"cust-{secrets.token_hex(3)}"
        return name, self.client.token("customer", name)

    def place(self, who: dict[str, str], rings: int, method: str = "card") -> str:
        body = {"lines": [{"sku": "RING-STEEL-PEARL", "quantity": rings}], **CHECKOUT, "carrier": "DHL"}
        body["payment_method"] = method
        placed = self.client.call("POST", "orders", "/orders", headers=who, json=body)
        assert placed.status_code == 201, placed.text
        order_id: str = placed.json()["order_id"]
        eventually(lambda: self.payments(who, order_id), what="payment opened")
        return order_id

    def order(self, who: dict[str, str], order_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.call("GET", "orders", f"/orders/{order_id}", headers=who).json()
        return body

    def payments(self, who: dict[str, str], order_id: str) -> list[dict[str, Any]]:
        response = self.client.call("GET", "payments", f"/payments/{order_id}", headers=who)
        return response.json() if response.status_code == 200 else []

    def capture(self, who: dict[str, str], order_id: str) -> Any:
        key = {"idempotency-key": f"cap-{secrets.token_hex(6)}"}
        path = f"/payments/{order_id}/goods/capture"
        return self.client.call("POST", "payments", path, headers={**who, **key}, json=CARD)

    def review(self, order_id: str, approve: bool) -> None:
        """P5: ops decide once payments has drawn the order for the check."""
        body = {"approve": approve, "note": "checked by phone" if approve else "card reported stolen"}
        eventually(
            lambda: (
                self.client.call(
                    "POST", "payments", f"/admin/reviews/{order_id}", headers=self.ops, json=body
                ).status_code
                == 200
            ),
            what=f"review of {order_id}",
        )

    def reaches(self, who: dict[str, str], order_id: str, status: str) -> dict[str, Any]:
        return eventually(
            lambda: (o := self.order(who, order_id))["status"] == status and o, what=f"{order_id} {status}"
        )

    def settles_at(self, who: dict[str, str], order_id: str, kept: int) -> None:
        """What payments holds = what the order says was paid and not given back = what the shop keeps."""

        def figures() -> tuple[int, int]:
            held = sum(p["paid"]["amount_minor"] - p["refunded"]["amount_minor"] for p in self.payments(who, order_id))
            order = self.order(who, order_id)
            return held, order["paid"]["amount_minor"] - order["refunded"]["amount_minor"]

        eventually(lambda: figures() == (kept, kept), what=f"{order_id} keeps {kept}")


def test_P6_O5_P5_O7_P2_O4_a_day_of_mixed_orders_keeps_exactly_what_each_order_owes(client: SystemClient) -> None:
    day = Day(client)
    manager_of: dict[str, dict[str, str]] = {}
    kept: dict[str, int] = {}
    who_of: dict[str, dict[str, str]] = {}

    def new_customer() -> dict[str, str]:
        name, who = day.customer()
        manager_of[name] = client.token("account_manager", "am-1", customers=(name,))
        return who

    # 1. Paid by card, approved, cancelled within 6 h: free, everything goes back (O5, P6).
    who = new_customer()
    cancelled = day.place(who, 12)
    assert day.capture(who, cancelled).status_code == 200
    day.reaches(who, cancelled, "HeldForReview")
    day.review(cancelled, approve=True)
    day.reaches(who, cancelled, "Confirmed")
    assert client.call("POST", "orders", f"/orders/{cancelled}/cancel", headers=who).status_code == 200
    kept[cancelled], who_of[cancelled] = 0, who

    # 2. Paid by card, rejected on review: cancelled, refunded in full (P5).
    who = new_customer()
    rejected = day.place(who, 12)
    assert day.capture(who, rejected).status_code == 200
    day.review(rejected, approve=False)
    day.reaches(who, rejected, "Cancelled")
    kept[rejected], who_of[rejected] = 0, who

    # 3. 24 rings paid, the account manager changes it to 12: the difference goes back (O7, P6).
    name, who = day.customer()
    manager = client.token("account_manager", "am-1", customers=(name,))
    down = day.place(who, 24)
    assert day.capture(who, down).status_code == 200
    day.review(down, approve=True)
    day.reaches(who, down, "Confirmed")
    change = {"lines": [{"sku": "RING-STEEL-PEARL", "quantity": 12}], "reason": "customer asked for half"}
    changed = client.call("POST", "orders", f"/orders/{down}/changes", headers=manager, json=change)
    assert changed.status_code == 200, changed.text
    kept[down], who_of[down] = 12 * RING, who

    # 4. 12 rings paid, changed to 24: the difference is asked for and paid, then Confirmed (O7).
    name, who = day.customer()
    manager = client.token("account_manager", "am-1", customers=(name,))
    up = day.place(who, 12)
    assert day.capture(who, up).status_code == 200
    day.review(up, approve=True)
    day.reaches(who, up, "Confirmed")
    change = {"lines": [{"sku": "RING-STEEL-PEARL", "quantity": 24}], "reason": "customer wants more"}
    assert client.call("POST", "orders", f"/orders/{up}/changes", headers=manager, json=change).status_code == 200
    day.reaches(who, up, "PendingPayment")
    eventually(lambda: day.capture(who, up).status_code == 200, what="the difference captured")
    day.reaches(who, up, "Confirmed")
    kept[up], who_of[up] = 24 * RING, who

    # 5. A bank transfer: the account manager records what arrived, in two parts (P2).
    name, who = day.customer()
    manager = client.token("account_manager", "am-1", customers=(name,))
    transfer = day.place(who, 12, method="bank_transfer")
    day.review(transfer, approve=True)
    for amount, reference in ((5000, "bank-ref-1"), (400, "bank-ref-2")):
        body = {"amount_minor": amount, "reference": reference}
        settled = client.call("POST", "payments", f"/payments/{transfer}/settle", headers=manager, json=body)
        assert settled.status_code == 200, settled.text
    day.reaches(who, transfer, "Confirmed")
    kept[transfer], who_of[transfer] = 12 * RING, who

    for order_id, kept_minor in kept.items():
        day.settles_at(who_of[order_id], order_id, kept_minor)

    # 6. Left unpaid: the payment window (72 h) closes, the order expires and its stock goes back (O4, I1);
    #    a capture that still comes is refused (O5). Last, because it moves this system's clock.
    who = new_customer()
    unpaid = day.place(who, 12)
    available = client.call("GET", "inventory", "/skus/RING-STEEL-PEARL").json()["available"]
    advanced = client.call("POST", "orders", "/admin/clock/advance", headers=day.ops, json={"seconds": 73 * 3600})
    assert advanced.status_code == 200, advanced.text
    day.reaches(who, unpaid, "Expired")
    eventually(
        lambda: client.call("GET", "inventory", "/skus/RING-STEEL-PEARL").json()["available"] == available + 12,
        what="expired order's stock released",
    )
    late = eventually(lambda: (r := day.capture(who, unpaid)).status_code == 409 and r, what="late capture refused")
    assert late.json()["errors"][0]["rule"] == "O5"
    day.settles_at(who, unpaid, 0)

    # No order is stuck: each is in the final state its story ends in.
    final = {o: day.order(who_of.get(o, who), o)["status"] for o in [*kept, unpaid]}
    assert final == {
        cancelled: "Cancelled",
        rejected: "Cancelled",
        down: "Confirmed",
        up: "Confirmed",
        transfer: "Confirmed",
        unpaid: "Expired",
    }
