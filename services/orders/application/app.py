"""The orders application: one method per use case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.orders.application import incoming
from services.orders.domain import cancellation
from services.orders.domain.cancellation import CancellationTerms
from services.orders.domain.cart import Cart, cart_id
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from services.orders.domain.errors import BelowMinimumOrderQuantity, OrderNotFound, UnknownProduct
from services.orders.domain.order import Order
from shared.runtime.store import HallmarkApplication, Handler
from shared.runtime.timers import TimerHandler

ORDER_NAMESPACE = uuid.UUID("7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8")


@dataclass(frozen=True)
class Checkout:
    """What checkout asks for besides the items (O1)."""

    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    payment_method: str | None = None
    sample: bool = False
    contact_email: str | None = None


class OrdersApplication(HallmarkApplication):
    service = "orders"
    # every aggregate whose history grows without bound is snapshotted (a reseller's cart records each order)
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Order: 100, Cart: 100}

    # --- settings (defaults for in-memory use; bootstrap passes the service's settings) ----------
    sample_fee_minor = 300
    policy_version = cancellation.CURRENT_POLICY
    picking_sla = timedelta(hours=48)

    # --- cart (O1) ------------------------------------------------------------------------------
    def cart(self, customer_id: str) -> Cart:
        try:
            cart: Cart = self.repository.get(cart_id(customer_id))
        except AggregateNotFoundError:
            cart = Cart(customer_id=customer_id)
        return cart

    def add_to_cart(self, customer_id: str, sku: str, quantity: int) -> Cart:
        """Add items (quantities add up)."""
        self._entry(sku, "sku")
        cart = self.cart(customer_id)
        cart.add(sku=sku, quantity=quantity)
        self.save(cart)
        return cart

    def change_cart_quantity(self, customer_id: str, sku: str, quantity: int) -> Cart:
        cart = self.cart(customer_id)
        cart.change_quantity(sku, quantity)
        self.save(cart)
        return cart

    def remove_from_cart(self, customer_id: str, sku: str) -> Cart:
        cart = self.cart(customer_id)
        cart.remove(sku)
        self.save(cart)
        return cart

    def checkout(self, customer_id: str, details: Checkout, idempotency_key: str | None = None) -> uuid.UUID:
        """Turn the cart into an order (PendingPayment) and empty the cart."""
        order_id = self._order_id(customer_id, idempotency_key)
        if order_id in self.repository:
            return order_id
        cart = self.cart(customer_id)
        cart.check_not_empty()
        return self.place_order(customer_id, list(cart.items.items()), details, idempotency_key, from_cart=True)

    def place_order(
        self,
        customer_id: str,
        lines: list[tuple[str, int]],
        details: Checkout | None = None,
        idempotency_key: str | None = None,
        *,
        from_cart: bool = False,
    ) -> uuid.UUID:
        """Place an order; the same idempotency key returns the same order (nothing doubled)."""
        details = details or Checkout()
        order_id = self._order_id(customer_id, idempotency_key)
        if order_id in self.repository:
            return order_id
        priced: list[dict[str, Any]] = []
        currency = None
        for index, (sku, quantity) in enumerate(lines):
            entry = self._entry(sku, f"lines.{index}.sku")
            if not details.sample and quantity < entry.moq:
                raise BelowMinimumOrderQuantity(
                    f"{sku}: the minimum order quantity is {entry.moq}, asked for {quantity}",
                    field=f"lines.{index}.quantity",
                    rule="O2",
                )
            currency = currency or entry.currency
            priced.append({"sku": sku, "quantity": quantity, "unit_price_minor": entry.unit_price_minor})
        order = Order(
            order_id=str(order_id),
            customer_id=customer_id,
            lines=priced,
            currency=currency or "USD",
            placed_at=self.clock.now(),
            sample=details.sample,
            sample_fee_minor=self.sample_fee_minor if details.sample else 0,
            payment_method=details.payment_method,
            shipping_address=details.shipping_address,
            billing_address=details.billing_address,
            contact_email=details.contact_email,
        )
        cart = self.cart(customer_id)
        cart.record_order(order_id=str(order_id), from_cart=from_cart)
        try:
            self.save(order, cart)
        except IntegrityError:
            if order_id not in self.repository:
                raise
        return order_id

    # --- queries ----------------------------------------------------------------------------------
    def get_order(self, order_id: uuid.UUID) -> Order:
        try:
            order: Order = self.repository.get(order_id)
        except AggregateNotFoundError:
            raise OrderNotFound(f"no order {order_id}", field="order_id", rule="O4") from None
        return order

    def order_as_of(self, order_id: uuid.UUID, at: datetime) -> Order:
        """The order replayed up to `at` (auditors)."""
        order: Order | None = self.replay_as_of(order_id, at)  # type: ignore[assignment]
        if order is None:
            raise OrderNotFound(f"no order {order_id} as of {at.isoformat()}", field="as_of", rule="O4")
        return order

    def orders_of(self, customer_ids: list[str], limit: int | None = None, offset: int = 0) -> list[Order]:
        """The customers' orders, newest first, one page of them. Only the newest `offset + limit` of
        each customer can be on the page, so a reseller with thousands of orders loads one page."""
        window = None if limit is None else offset + limit
        ids = [
            uuid.UUID(o)
            for c in customer_ids
            if cart_id(c) in self.repository
            for o in list(reversed(self.cart(c).orders))[:window]
        ]
        newest_first = sorted((self.get_order(i) for i in ids), key=lambda o: o.placed_at, reverse=True)
        return newest_first[offset:window]

    def cancellation_terms(self, order_id: uuid.UUID, at: datetime | None = None) -> CancellationTerms:
        """O5 terms at any instant, past or future (a pure function of the history and the instant)."""
        at = at or self.clock.now()
        order = self.get_order(order_id)
        if at >= order.modified_on:  # nothing happened after `at`: the current state (snapshot + tail) is the fold
            return cancellation.terms_for(order, at, cancellation.POLICIES, self.policy_version)
        # the past: the same fold (cancellation.quote's), started from the newest snapshot before `at`
        return cancellation.terms_for(self.replay_as_of(order_id, at), at, cancellation.POLICIES, self.policy_version)

    def sla_breaches(self) -> list[dict[str, Any]]:
        topic = get_topic(Order.PickingSlaBreached)
        found = self.recorder.select_notifications(start=1, limit=10_000, topics=[topic])
        return [{"order_id": str(n.originator_id), "version": n.originator_version} for n in found]

    # --- commands after placing -------------------------------------------------------------------
    def cancel(self, order_id: uuid.UUID) -> CancellationTerms:
        """Cancel now, on the terms quoted for now (O5); the refund goes to payments (P6)."""
        order = self.get_order(order_id)
        now = self.clock.now()
        terms = cancellation.terms_for(order, now, cancellation.POLICIES, self.policy_version)
        order.cancel(terms, at=now)
        self.save(order)
        return terms

    def change_order(self, order_id: uuid.UUID, actor: str, reason: str, lines: list[tuple[str, int]]) -> Order:
        """An account manager's change (O7), audited with who and why; allowed until shipping is quoted."""
        order = self.get_order(order_id)
        prices = {line["sku"]: line["unit_price_minor"] for line in order.lines}
        new_lines = []
        for index, (sku, quantity) in enumerate(lines):
            price = prices.get(sku) or self._entry(sku, f"lines.{index}.sku").unit_price_minor
            new_lines.append({"sku": sku, "quantity": quantity, "unit_price_minor": price})
        order.change(actor=actor, reason=reason, lines=new_lines, at=self.clock.now())
        self.save(order)
        return order

    # --- helpers ----------------------------------------------------------------------------------
    def _order_id(self, customer_id: str, idempotency_key: str | None) -> uuid.UUID:
        if idempotency_key:
            return uuid.uuid5(ORDER_NAMESPACE, f"{customer_id}:{idempotency_key}")
        return uuid.uuid4()

    def _entry(self, sku: str, field: str) -> CatalogueEntry:
        try:
            entry: CatalogueEntry = self.repository.get(entry_id(sku))
        except AggregateNotFoundError:
            raise UnknownProduct(f"no product {sku!r} in the catalogue", field=field, rule="O1") from None
        return entry

    handlers: ClassVar[dict[str, Handler]] = incoming.HANDLERS
    timer_handlers: ClassVar[dict[str, TimerHandler]] = incoming.TIMERS
