"""A steady load of orders through their whole life, each step retried until the order has moved on
(any call may meet a killed API, a broker or database that is down): checkout, card capture, picking,
the shipping quote and its payment, dispatch, delivery, receipt, Completed. Every fifth order is
cancelled once confirmed instead (free within 6 h: refunded in full). Calls that change something carry
idempotency keys where the API takes them, so a retried call is the same call."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.client import SystemClient
from tests.integration.test_walking_skeleton import CHECKOUT

SKU = "FAULT-RING"
UNIT_PRICE = 100
ON_HAND = 1_000_000
LIFE = ("PendingPayment", "Confirmed", "Processing", "AwaitingShippingPayment", "Shipped", "Delivered", "Completed")
CARD = {"method": "card", "source": "4111 1111 1111 1111"}


@dataclass
class Outcome:
    order_id: str
    customer: str
    quantity: int
    cancelled: bool
    final: str = ""
    shipping_minor: int = 0
    error: str = ""


@dataclass
class Load:
    client: SystemClient
    seed: int
    step_timeout: float = 240.0
    outcomes: list[Outcome] = field(default_factory=list)
    started: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.ops = self.client.token("ops", "ops-faults")
        self.run_id = secrets.token_hex(3)
        """Customers (and so order ids, derived from customer and idempotency key) are new every run."""

    # --- plumbing -------------------------------------------------------------------------------
    def call(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response | None:
        try:
            return self.client.call(method, service, path, **kwargs)
        except httpx.HTTPError:
            return None  # the API is down or restarting: the step is tried again

    def status(self, who: dict[str, str], order_id: str) -> str:
        response = self.call("GET", "orders", f"/orders/{order_id}", headers=who)
        return str(response.json()["status"]) if response is not None and response.status_code == 200 else ""

    def until(self, what: str, done: Callable[[], bool], act: Callable[[], object] = lambda: None) -> None:
        """Act, then look whether the order moved on; again until it has (or the deadline passes)."""
        deadline = time.monotonic() + self.step_timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            act()
            for _ in range(10):  # up to ~3 s for the effect to show before acting again
                if done():
                    return
                time.sleep(0.3)

    def reached(self, who: dict[str, str], order_id: str, status: str) -> Callable[[], bool]:
        def check() -> bool:
            now = self.status(who, order_id)
            return (now in LIFE and LIFE.index(now) >= LIFE.index(status)) or now == status

        return check

    # --- setup ----------------------------------------------------------------------------------
    def catalogue(self) -> None:
        body = {
            "sku": SKU,
            "name": "Fault-suite ring",
            "unit_price": {"amount_minor": UNIT_PRICE, "currency": "USD"},
            "moq": 1,
            "weight_grams": 10,
            "on_hand": ON_HAND,
        }
        answer = self.call("POST", "inventory", "/skus", headers=self.ops, json=body)
        assert answer is not None and answer.status_code == 201, answer and answer.text

    # --- one order ------------------------------------------------------------------------------
    def one_order(self, number: int) -> Outcome:
        quantity, cancel = random.Random(f"{self.seed}-{number}").randint(1, 5), number % 5 == 4
        customer = f"fault-{self.run_id}-{number}"
        who = self.client.token("customer", customer)
        body = {"lines": [{"sku": SKU, "quantity": quantity}], **CHECKOUT, "carrier": "DHL"}
        placed: list[str] = []

        def place() -> None:
            r = self.call("POST", "orders", "/orders", headers={**who, "idempotency-key": f"place-{number}"}, json=body)
            if r is not None and r.status_code in (200, 201):
                placed.append(r.json()["order_id"])

        self.until(f"order {number} placed", lambda: bool(placed), place)
        order = Outcome(placed[0], customer, quantity, cancel)
        oid = order.order_id
        try:
            self.until(f"{oid} pending payment", self.reached(who, oid, "PendingPayment"))
            self.capture(who, oid, "goods")
            self.until(f"{oid} confirmed", self.reached(who, oid, "Confirmed"))  # and its e-mail sent (O6)
            if cancel:
                self.until(
                    f"{oid} cancelled",
                    lambda: self.status(who, oid) == "Cancelled",
                    lambda: self.call("POST", "orders", f"/orders/{oid}/cancel", headers=who),
                )
                order.final = "Cancelled"
                return order
            self.until(
                f"{oid} processing",
                self.reached(who, oid, "Processing"),
                lambda: self.call("POST", "inventory", f"/picking/{oid}/start", headers=self.ops),
            )
            self.until(
                f"{oid} quoted",
                self.reached(who, oid, "AwaitingShippingPayment"),
                lambda: self.call("POST", "inventory", f"/picking/{oid}/finish", headers=self.ops, json={}),
            )
            self.capture(who, oid, "shipping")
            tracking: list[str] = []

            def dispatch() -> None:
                r = self.call("POST", "shipping", f"/shipments/{oid}/dispatch", headers=self.ops)
                if r is not None and r.status_code == 200:
                    tracking.append(r.json()["tracking_number"])

            self.until(f"{oid} shipped", lambda: bool(tracking) or self.reached(who, oid, "Shipped")(), dispatch)
            if not tracking:  # dispatched by an earlier call whose answer was lost
                shipment = self.call("GET", "shipping", f"/shipments/{oid}", headers=who)
                tracking.append(shipment.json()["tracking_number"] if shipment is not None else "")
            carrier = f"http://127.0.0.1:{self.client.stack.config.ports.carrier}/v1/parcels/{tracking[0]}/events"
            self.until(
                f"{oid} delivered",
                self.reached(who, oid, "Delivered"),
                lambda: self.client.http.post(carrier, json={"status": "delivered", "signed_by": "A. Ruiz"}),
            )
            self.until(
                f"{oid} completed",
                self.reached(who, oid, "Completed"),
                lambda: self.call("POST", "shipping", f"/shipments/{oid}/receipt", headers=who),
            )
            order.final = "Completed"
        except Exception as exc:  # recorded; the checks count it as an order that did not finish
            order.error = repr(exc)
        return order

    def capture(self, who: dict[str, str], order_id: str, purpose: str) -> None:
        """Pay `purpose` by card once: the same idempotency key on every try."""
        key = {"idempotency-key": f"{purpose}-{order_id}"}
        path = f"/payments/{order_id}/{purpose}/capture"

        def paid() -> bool:
            r = self.call("GET", "payments", f"/payments/{order_id}", headers=who)
            found = [p for p in r.json() if p["purpose"] == purpose] if r is not None and r.status_code == 200 else []
            return bool(found) and found[0]["paid"]["amount_minor"] >= found[0]["amount"]["amount_minor"]

        self.until(
            f"{order_id} {purpose} paid",
            paid,
            lambda: self.call("POST", "payments", path, headers={**who, **key}, json=CARD),
        )

    # --- the load -------------------------------------------------------------------------------
    def driver(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                self.started += 1
                number = self.started
            try:
                outcome = self.one_order(number)
            except TimeoutError as exc:  # never placed
                outcome = Outcome("", f"fault-{self.run_id}-{number}", 0, False, error=repr(exc))
            with self.lock:
                self.outcomes.append(outcome)

    def run(self, drivers: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.driver, name=f"load-{i}", daemon=True) for i in range(drivers)]
        for thread in threads:
            thread.start()
        return threads
