"""A customer's cart (O1): add items, change quantities, remove, then check out. It also lists
the customer's orders. Each change of a line is published (CartLineChanged) so that inventory holds
the line's quantity for the customer (I1); a checkout is published too (CartCheckedOut)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.orders.domain.bounds import check_quantity
from services.orders.domain.errors import EmptyCart, OrderError

CART_NAMESPACE = uuid.UUID("1c4f2a9e-7b3d-4e8f-a1c2-d3e4f5a6b7c8")


class ItemNotInCart(OrderError, LookupError):
    pass


class Cart(Aggregate):
    """One open cart per customer; checking out empties it for the next order."""

    Opened: ClassVar[type[Any]]
    ItemAdded: ClassVar[type[Any]]
    QuantityChanged: ClassVar[type[Any]]
    ItemRemoved: ClassVar[type[Any]]
    OrderRecorded: ClassVar[type[Any]]
    CustomerForgotten: ClassVar[type[Any]]

    @event("Opened")
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.items: dict[str, int] = {}
        self.orders: list[str] = []

    @staticmethod
    def create_id(customer_id: str) -> uuid.UUID:
        return cart_id(customer_id)

    def add(self, sku: str, quantity: int) -> None:
        """Add `quantity` of a product; the line's sum stays within the bounds of a line (X3), checked
        before anything is recorded."""
        in_cart = check_quantity(sku, quantity, "quantity", already=self.items.get(sku, 0))
        self._add(sku=sku, quantity=quantity, in_cart=in_cart)

    @event("ItemAdded")
    def _add(self, sku: str, quantity: int, in_cart: int | None = None) -> None:
        """`in_cart`: the line's quantity after the addition (None in events stored before it was kept)."""
        self.items[sku] = self.items.get(sku, 0) + quantity

    def change_quantity(self, sku: str, quantity: int) -> None:
        self.check_in_cart(sku)
        check_quantity(sku, quantity, "quantity")
        self._change_quantity(sku=sku, quantity=quantity)

    @event("QuantityChanged")
    def _change_quantity(self, sku: str, quantity: int) -> None:
        self.items[sku] = quantity

    def remove(self, sku: str) -> None:
        self.check_in_cart(sku)
        self._remove(sku=sku)

    @event("ItemRemoved")
    def _remove(self, sku: str) -> None:
        del self.items[sku]

    def check_in_cart(self, sku: str) -> None:
        if sku not in self.items:
            raise ItemNotInCart(f"{sku!r} is not in the cart", field="sku", rule="O1")

    def check_not_empty(self) -> None:
        if not self.items:
            raise EmptyCart("the cart is empty: add items before checking out", field="items", rule="O1")

    def record_order(self, order_id: str, from_cart: bool) -> None:
        """The customer placed an order (checked out, when `from_cart`: the cart is emptied)."""
        self._record_order(order_id=order_id, from_cart=from_cart, skus=sorted(self.items) if from_cart else [])

    @event("OrderRecorded")
    def _record_order(self, order_id: str, from_cart: bool, skus: list[str] | None = None) -> None:
        """`skus`: the products checked out (None in events stored before they were kept)."""
        if from_cart:
            self.items = {}
        self.orders.append(order_id)

    @property
    def forgotten_at(self) -> datetime | None:
        """X4: when ops first forgot the customer (None: never; carts stored before keep none)."""
        return getattr(self, "_forgotten_at", None)

    def forget(self, by: str, at: datetime) -> None:
        """X4: the customer is forgotten. Recorded on the cart, which every placing of an order saves too,
        so a forget and a new order of the customer are serialised by the cart's version."""
        self._forget(by=by, at=at)

    @event("CustomerForgotten")
    def _forget(self, by: str, at: datetime) -> None:
        if self.forgotten_at is None:
            self._forgotten_at = at


def cart_id(customer_id: str) -> uuid.UUID:
    return uuid.uuid5(CART_NAMESPACE, customer_id)
