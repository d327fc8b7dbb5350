"""The orders application: one method per use case.

Every write decides on the current state and saves in one transaction through the chassis'
`commit`: when another writer saved the same cart or order first (a parallel request of the same
customer, a replica, the worker confirming the order), the decision is taken again on the new
state, so concurrent requests all succeed or are refused for a reason of their own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import EnvType, get_topic

from services.orders.adapters import transcodings
from services.orders.adapters.privacy import PERSONAL_DATA
from services.orders.application import privacy
from services.orders.application.expiry import payment_window_timer
from services.orders.application.serial import StripedLocks
from services.orders.domain import cancellation, placing
from services.orders.domain.carriers import COVERAGE_ID, CarrierCoverage
from services.orders.domain.cart import Cart, cart_id
from services.orders.domain.catalogue import CatalogueEntry, entry_id
from services.orders.domain.errors import Busy, OrderNotFound, UnknownProduct
from services.orders.domain.lines import Requested
from services.orders.domain.order import Order
from services.orders.domain.values import CancellationTerms, Checkout
from services.orders.settings import OrdersSettings
from shared.events import Envelope
from shared.events.orders import PersonalDetails
from shared.runtime.clock import Clock
from shared.runtime.prefetch import load_many
from shared.runtime.privacy.keys import Forgotten
from shared.runtime.store import Attempt, HallmarkApplication, StillConflicting

ORDER_NAMESPACE = uuid.UUID("7f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8")
T = TypeVar("T")


class OrdersApplication(HallmarkApplication):
    service = "orders"
    # every aggregate whose history grows without bound is snapshotted (a reseller's cart records each order)
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Order: 100, Cart: 100}
    personal_data = PERSONAL_DATA  # addresses and e-mail sealed per customer (adapters/privacy.py)

    def __init__(self, settings: OrdersSettings, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(settings, env, clock)
        self.policy_version = cancellation.policy_named(settings.cancellation_policy).version
        """O5: the policy version stamped on orders confirmed from now on (an unknown one refuses to start)."""
        self.placing = placing.PlacingTerms(
            sample_fee_minor=settings.sample_fee_minor,
            max_total_minor=settings.max_order_total_minor,
            payment_window=timedelta(hours=settings.payment_window_hours),
        )
        self.conflict_retries = settings.conflict_retries
        self.locks = StripedLocks()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """The domain's value objects are stored (in events and snapshots) as their fields."""
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    def event_context(self, aggregate: Any) -> dict[str, Any] | None:
        """Every integration event about an order names its customer and currency; about a cart, its customer."""
        if isinstance(aggregate, Order):
            return {"customer_id": aggregate.customer_id, "currency": aggregate.currency}
        if isinstance(aggregate, Cart):
            return {"customer_id": aggregate.customer_id}
        return None

    def aggregate_ids_of(self, envelope: Envelope) -> list[uuid.UUID]:
        """The order an incoming event is about (its policies load it), read ahead per batch."""
        try:
            return [uuid.UUID(envelope.order_id)] if envelope.order_id else []
        except ValueError:
            return []

    # --- cart (O1) ------------------------------------------------------------------------------
    def cart(self, customer_id: str) -> Cart:
        try:
            cart: Cart = self.repository.get(cart_id(customer_id))
        except AggregateNotFoundError:
            cart = Cart(customer_id=customer_id)
        return cart

    def add_to_cart(self, customer_id: str, sku: str, quantity: int) -> Cart:
        """Add items (quantities add up, within the bound of a line)."""
        if self._catalogue(sku) is None:
            raise UnknownProduct(f"no product {sku!r} in the catalogue", field="sku", rule="O1")

        def attempt() -> tuple[Cart, list[Any]]:
            cart = self.cart(customer_id)
            cart.add(sku=sku, quantity=quantity)
            return cart, [cart]

        return self.write(customer_id, attempt)

    def change_cart_quantity(self, customer_id: str, sku: str, quantity: int) -> Cart:
        def attempt() -> tuple[Cart, list[Any]]:
            cart = self.cart(customer_id)
            cart.change_quantity(sku, quantity)
            return cart, [cart]

        return self.write(customer_id, attempt)

    def remove_from_cart(self, customer_id: str, sku: str) -> Cart:
        def attempt() -> tuple[Cart, list[Any]]:
            cart = self.cart(customer_id)
            cart.remove(sku)
            return cart, [cart]

        return self.write(customer_id, attempt)

    def checkout(self, customer_id: str, details: Checkout, idempotency_key: str | None = None) -> uuid.UUID:
        """Turn the cart into an order (PendingPayment) and empty the cart."""
        return self.place(customer_id, None, details, idempotency_key).id

    def place_order(
        self,
        customer_id: str,
        lines: Requested,
        details: Checkout | None = None,
        idempotency_key: str | None = None,
    ) -> uuid.UUID:
        """Place an order; the same idempotency key returns the same order (nothing doubled) if the
        request is the same, and is refused for another (O1). The carrier must serve the shipping
        country (S1); `details` None places an order with no address and no carrier (tools and
        tests: the API always sends the checkout details)."""
        return self.place(customer_id, lines, details, idempotency_key).id

    def place(
        self, customer_id: str, lines: Requested | None, details: Checkout | None, idempotency_key: str | None = None
    ) -> Order:
        """`place_order`, or with `lines` None `checkout` (the cart's lines; it empties the cart), answering
        the order as saved (or as found, for a repeated key), so the API need not read it back. The order,
        its payment deadline (O4) and the cart's record of it are saved together."""
        order_id = self._order_id(customer_id, idempotency_key)
        digest = placing.request_digest(lines, details) if idempotency_key else None

        def attempt() -> tuple[Order, list[Any]]:
            # an order id of its own (no idempotency key) is new: nothing to look for
            existing = self._find_order(order_id) if idempotency_key else None
            if existing is not None:
                if digest is not None:
                    placing.check_same_request(existing, digest)
                return existing, []
            # the cart, the carriers' coverage and the lines' listings in one query (shared.runtime.prefetch)
            read = self._reader([cart_id(customer_id), COVERAGE_ID, *(entry_id(sku) for sku, _ in lines or ())])
            stored: Cart | None = read(cart_id(customer_id))
            cart = Cart(customer_id=customer_id) if stored is None else stored
            if lines is None:
                cart.check_not_empty()
            requested = list(cart.items.items()) if lines is None else lines
            coverage: CarrierCoverage | None = read(COVERAGE_ID)
            now = self.clock.now()

            def listing(sku: str) -> CatalogueEntry | None:
                entry: CatalogueEntry | None = read(entry_id(sku))
                return entry

            order = placing.place(
                order_id, customer_id, requested, listing, details, now, self.placing, coverage, digest
            )
            cart.record_order(order_id=str(order_id), from_cart=lines is None)
            assert order.payment_due_at is not None
            return order, [order, cart, payment_window_timer(order_id, order.payment_due_at)]

        return self.write(customer_id, attempt)

    # --- queries ----------------------------------------------------------------------------------
    def get_order(self, order_id: uuid.UUID) -> Order:
        order = self._find_order(order_id)
        if order is None:
            raise OrderNotFound(f"no order {order_id}", field="order_id", rule="O4")
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

    def forget_customer(self, customer_id: str, by: str) -> Forgotten:
        """X4: destroy the customer's data keys (refused while an order of theirs is open)."""
        assert self.keys is not None
        return privacy.forget(self, self.keys, customer_id, by)

    def open_details(self, token: dict[str, Any]) -> PersonalDetails | None:
        """X4: the sealed checkout details of an OrderPlaced (None: the customer was forgotten)."""
        assert self.keys is not None
        return privacy.open_details(self.keys, token)

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

        def attempt() -> tuple[CancellationTerms, list[Any]]:
            order = self.get_order(order_id)
            now = self.clock.now()
            terms = cancellation.terms_for(order, now, cancellation.POLICIES, self.policy_version)
            order.cancel(terms, at=now)
            return terms, [order]

        return self.write(str(order_id), attempt)

    def change_order(self, order_id: uuid.UUID, actor: str, reason: str, lines: Requested) -> Order:
        """An account manager's change (O7), audited with who and why; allowed until shipping is quoted."""

        def attempt() -> tuple[Order, list[Any]]:
            order = self.get_order(order_id)
            ceiling = self.placing.max_total_minor
            order.change(actor, reason, lines, self._catalogue, at=self.clock.now(), max_total_minor=ceiling)
            return order, [order]

        return self.write(str(order_id), attempt)

    # --- helpers ----------------------------------------------------------------------------------
    def write(self, key: str, attempt: Attempt[T]) -> T:
        """`commit` (decide, save, decide again on a version conflict), queued behind this process's
        other writers of the same customer or order."""
        with self.locks.held(key):
            try:
                return self.commit(attempt, retries=self.conflict_retries)
            except StillConflicting:
                raise Busy(
                    f"changed by others {self.conflict_retries} times in a row; nothing was recorded, try again",
                    field="order",
                    rule="O1",
                ) from None

    def _order_id(self, customer_id: str, idempotency_key: str | None) -> uuid.UUID:
        if idempotency_key:
            return uuid.uuid5(ORDER_NAMESPACE, f"{customer_id}:{idempotency_key}")
        return uuid.uuid4()

    def _find_order(self, order_id: uuid.UUID) -> Order | None:
        try:
            order: Order = self.repository.get(order_id)
        except AggregateNotFoundError:
            return None
        return order

    def _reader(self, ids: list[uuid.UUID]) -> Callable[[uuid.UUID], Any]:
        """A getter answering these aggregates from one query (PostgreSQL: their snapshots and events, folded
        as the repository folds them) and any other the usual way (also all of them, in memory); None for
        one that does not exist. A copy read here and saved is version-checked as any other."""
        ahead = load_many(self, ids)

        def get(aggregate_id: uuid.UUID) -> Any:
            if aggregate_id in ahead:
                return ahead[aggregate_id]
            try:
                return self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None

        return get

    def _catalogue(self, sku: str) -> CatalogueEntry | None:
        """The service's copy of a product's listing (None: not listed)."""
        try:
            entry: CatalogueEntry = self.repository.get(entry_id(sku))
        except AggregateNotFoundError:
            return None
        return entry
