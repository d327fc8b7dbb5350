"""The orders application: one method per use case."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import EnvType, get_topic

from services.orders.domain import cancellation, placing
from services.orders.domain.carriers import COVERAGE_ID, CarrierCoverage
from services.orders.domain.cart import Cart, cart_id
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from services.orders.domain.errors import OrderNotFound, UnknownProduct
from services.orders.domain.lines import Requested
from services.orders.domain.order import Order
from services.orders.domain.values import VALUE_TYPES, CancellationTerms, Checkout
from services.orders.settings import OrdersSettings
from shared.runtime.clock import Clock
from shared.runtime.store import HallmarkApplication

ORDER_NAMESPACE = uuid.UUID("7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8")


class OrdersApplication(HallmarkApplication):
    service = "orders"
    # every aggregate whose history grows without bound is snapshotted (a reseller's cart records each order)
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Order: 100, Cart: 100}

    def __init__(self, settings: OrdersSettings, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(settings, env, clock)
        self.sample_fee_minor = settings.sample_fee_minor
        self.policy_version = settings.cancellation_policy
        """O5: the policy version stamped on orders confirmed from now on."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """The domain's value objects are stored (in events and snapshots) as their fields."""
        super().register_transcodings(transcoder)
        for value_type in VALUE_TYPES:
            transcoder.register(ValueAsFields(value_type))

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        """Every integration event about an order names its customer and currency."""
        if isinstance(aggregate, Order):
            return {"customer_id": aggregate.customer_id, "currency": aggregate.currency}
        return None

    # --- cart (O1) ------------------------------------------------------------------------------
    def cart(self, customer_id: str) -> Cart:
        try:
            cart: Cart = self.repository.get(cart_id(customer_id))
        except AggregateNotFoundError:
            cart = Cart(customer_id=customer_id)
        return cart

    def add_to_cart(self, customer_id: str, sku: str, quantity: int) -> Cart:
        """Add items (quantities add up)."""
        if self._catalogue(sku) is None:
            raise UnknownProduct(f"no product {sku!r} in the catalogue", field="sku", rule="O1")
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
        lines: Requested,
        details: Checkout | None = None,
        idempotency_key: str | None = None,
        *,
        from_cart: bool = False,
    ) -> uuid.UUID:
        """Place an order; the same idempotency key returns the same order (nothing doubled). The
        carrier must serve the shipping country (S1); `details` None places an order with no address
        and no carrier (tools and tests: the API always sends the checkout details)."""
        order_id = self._order_id(customer_id, idempotency_key)
        if order_id in self.repository:
            return order_id
        now = self.clock.now()
        coverage = self.carrier_coverage()
        order = placing.place(
            order_id, customer_id, lines, self._catalogue, details, now, self.sample_fee_minor, coverage
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
        order = self.replay_as_of(order_id, at)
        if not isinstance(order, Order):
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
        then = self.replay_as_of(order_id, at)
        return cancellation.terms_for(
            then if isinstance(then, Order) else None, at, cancellation.POLICIES, self.policy_version
        )

    def carrier_coverage(self) -> CarrierCoverage | None:
        """S1: which countries each carrier serves, as shipping's newest tariff says (None: not heard yet)."""
        try:
            coverage: CarrierCoverage = self.repository.get(COVERAGE_ID)
        except AggregateNotFoundError:
            return None
        return coverage

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

    def change_order(self, order_id: uuid.UUID, actor: str, reason: str, lines: Requested) -> Order:
        """An account manager's change (O7), audited with who and why; allowed until shipping is quoted."""
        order = self.get_order(order_id)
        order.change(actor, reason, lines, self._catalogue, at=self.clock.now())
        self.save(order)
        return order

    # --- helpers ----------------------------------------------------------------------------------
    def _order_id(self, customer_id: str, idempotency_key: str | None) -> uuid.UUID:
        if idempotency_key:
            return uuid.uuid5(ORDER_NAMESPACE, f"{customer_id}:{idempotency_key}")
        return uuid.uuid4()

    def _catalogue(self, sku: str) -> CatalogueEntry | None:
        """The service's copy of a product's listing (None: not listed)."""
        try:
            entry: CatalogueEntry = self.repository.get(entry_id(sku))
        except AggregateNotFoundError:
            return None
        return entry


class ValueAsFields(Transcoding):
    """A frozen value object stored as its fields (nested values are transcoded in turn)."""

    def __init__(self, value_type: type) -> None:
        self.type = value_type
        self.name = f"orders.{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)
