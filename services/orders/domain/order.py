"""The Order aggregate. Its status is derived from its events (O4), never set from outside."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.orders.domain import status as st
from services.orders.domain.errors import CancellationRefused, TransitionRefused

if TYPE_CHECKING:
    from services.orders.domain.cancellation import CancellationTerms


class Order(Aggregate):
    Placed: ClassVar[type[Any]]
    StockReservationRecorded: ClassVar[type[Any]]
    ItemsReduced: ClassVar[type[Any]]
    Confirmed: ClassVar[type[Any]]
    ProcessingStarted: ClassVar[type[Any]]
    PickingFinished: ClassVar[type[Any]]
    ShippingQuoted: ClassVar[type[Any]]
    ShippingPaid: ClassVar[type[Any]]
    Dispatched: ClassVar[type[Any]]
    Delivered: ClassVar[type[Any]]
    Completed: ClassVar[type[Any]]
    Cancelled: ClassVar[type[Any]]
    Changed: ClassVar[type[Any]]
    RefundRecorded: ClassVar[type[Any]]
    PickingSlaBreached: ClassVar[type[Any]]
    PaymentFailureRecorded: ClassVar[type[Any]]
    OverpaymentRecorded: ClassVar[type[Any]]

    @event("Placed")
    def __init__(
        self,
        order_id: str,
        customer_id: str,
        lines: list[dict[str, Any]],
        currency: str,
        placed_at: datetime,
        sample: bool = False,
        sample_fee_minor: int = 0,
        payment_method: str | None = None,
        shipping_address: dict[str, Any] | None = None,
        billing_address: dict[str, Any] | None = None,
        contact_email: str | None = None,
    ) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.lines = lines
        self.currency = currency
        self.placed_at = placed_at
        self.sample = sample
        self.sample_fee_minor = sample_fee_minor
        self.payment_method = payment_method
        self.shipping_address = shipping_address
        self.billing_address = billing_address
        self.contact_email = contact_email
        self.status = st.PENDING_PAYMENT
        self.stock = "awaiting reservation"
        self.reservation: list[dict[str, Any]] = []
        self.paid_minor = 0
        self.refund_due_minor = 0
        self.refunded_minor = 0
        self.confirmed_at: datetime | None = None
        self.policy_version: str | None = None
        self.weight_grams: int | None = None
        self.picking_finished_at: datetime | None = None
        self.shipping: dict[str, Any] = {}
        self.cancellation: dict[str, Any] | None = None
        self.changes: list[dict[str, Any]] = []
        self.sla_breached_at: datetime | None = None
        self.payment_failures: list[dict[str, Any]] = []

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        """The id is chosen by the caller (so a retried checkout cannot create a twin)."""
        return uuid.UUID(order_id)

    # --- derived values ---------------------------------------------------------------------
    @property
    def total_minor(self) -> int:
        """The order total after reductions and changes (O3: sample orders pay the fee per item)."""
        return order_total(self.lines, self.sample, self.sample_fee_minor)

    @property
    def paid_net_minor(self) -> int:
        """What was paid for the goods, less what is already owed back."""
        return self.paid_minor - self.refund_due_minor

    def _context(self) -> dict[str, Any]:
        """What every integration event about this order needs to say besides the change itself."""
        return {"customer_id": self.customer_id, "currency": self.currency}

    def check_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise TransitionRefused(
                f"cannot {action} an order that is {self.status} (allowed from {', '.join(allowed)})",
                field="status",
                rule="O4",
            )

    # --- stock --------------------------------------------------------------------------------
    @event("StockReservationRecorded")
    def record_reservation(self, lines: list[dict[str, Any]], at: datetime) -> None:
        self.reservation = lines
        self.stock = "reserved" if all(line["short"] == 0 for line in lines) else "partially reserved"

    def reduce(self, quantities: dict[str, int], reason: str, at: datetime) -> bool:
        """Lower line quantities (I3); False if nothing would change."""
        self.check_status("reduce the items of", *st.CHANGEABLE)
        changed = [
            {
                "sku": line["sku"],
                "quantity_before": line["quantity"],
                "quantity_after": min(line["quantity"], max(0, quantities[line["sku"]])),
            }
            for line in self.lines
            if line["sku"] in quantities and quantities[line["sku"]] < line["quantity"]
        ]
        if not changed:
            return False
        after = {c["sku"]: c["quantity_after"] for c in changed}
        new_lines = [{**line, "quantity": after.get(line["sku"], line["quantity"])} for line in self.lines]
        previous = self.total_minor
        new_total = order_total(new_lines, self.sample, self.sample_fee_minor)
        refund = max(0, min(self.paid_net_minor - new_total, previous - new_total))
        self._reduce(
            lines=changed,
            new_lines=new_lines,
            previous_total_minor=previous,
            new_total_minor=new_total,
            refund_minor=refund,
            reason=reason,
            at=at,
            **self._context(),
        )
        return True

    @event("ItemsReduced")
    def _reduce(
        self,
        lines: list[dict[str, Any]],
        new_lines: list[dict[str, Any]],
        previous_total_minor: int,
        new_total_minor: int,
        refund_minor: int,
        reason: str,
        at: datetime,
        customer_id: str,
        currency: str,
    ) -> None:
        self.lines = new_lines
        self.refund_due_minor += refund_minor

    # --- payment and fulfilment ---------------------------------------------------------------
    def confirm(self, method: str, amount_minor: int, policy_version: str, at: datetime) -> None:
        self.check_status("confirm", st.PENDING_PAYMENT)
        self._confirm(
            method=method,
            amount_minor=amount_minor,
            policy_version=policy_version,
            at=at,
            **self._context(),
            total_minor=self.total_minor,
        )
        self._owe_back_any_excess(at)

    def _owe_back_any_excess(self, at: datetime) -> None:
        """The order was reduced (I3) while the money was on its way: what exceeds the total goes back (P6)."""
        excess = self.paid_net_minor - self.total_minor
        if excess > 0:
            self._record_overpayment(
                paid_minor=self.paid_minor,
                total_minor=self.total_minor,
                refund_minor=excess,
                at=at,
                **self._context(),
            )

    @event("OverpaymentRecorded")
    def _record_overpayment(
        self, paid_minor: int, total_minor: int, refund_minor: int, at: datetime, customer_id: str, currency: str
    ) -> None:
        self.refund_due_minor += refund_minor

    @event("Confirmed")
    def _confirm(
        self,
        method: str,
        amount_minor: int,
        policy_version: str,
        at: datetime,
        customer_id: str,
        currency: str,
        total_minor: int,
    ) -> None:
        self.status = st.CONFIRMED
        self.payment_method = method
        self.paid_minor += amount_minor
        self.policy_version = policy_version
        self.confirmed_at = at

    def start_processing(self, at: datetime) -> None:
        self.check_status("start picking", st.CONFIRMED)
        self._start_processing(at=at)

    @event("ProcessingStarted")
    def _start_processing(self, at: datetime) -> None:
        self.status = st.PROCESSING

    def finish_picking(self, weight_grams: int, at: datetime) -> None:
        self.check_status("finish picking", st.PROCESSING)
        if self.picking_finished_at is not None:
            raise TransitionRefused("picking has finished already", field="status", rule="I4")
        self._finish_picking(weight_grams=weight_grams, at=at)

    @event("PickingFinished")
    def _finish_picking(self, weight_grams: int, at: datetime) -> None:
        self.weight_grams = weight_grams
        self.picking_finished_at = at

    def quote_shipping(self, carrier: str, cost_minor: int, at: datetime) -> None:
        self.check_status("quote shipping for", st.PROCESSING)
        self._quote_shipping(carrier=carrier, cost_minor=cost_minor, at=at)

    @event("ShippingQuoted")
    def _quote_shipping(self, carrier: str, cost_minor: int, at: datetime) -> None:
        self.status = st.AWAITING_SHIPPING_PAYMENT
        self.shipping = {"carrier": carrier, "cost_minor": cost_minor, "quoted_at": at, "paid": False}

    def pay_shipping(self, amount_minor: int, at: datetime) -> None:
        self.check_status("pay shipping for", st.AWAITING_SHIPPING_PAYMENT)
        if self.shipping.get("paid"):
            raise TransitionRefused("shipping is paid already", field="status", rule="P7")
        self._pay_shipping(amount_minor=amount_minor, at=at)

    @event("ShippingPaid")
    def _pay_shipping(self, amount_minor: int, at: datetime) -> None:
        self.shipping = {**self.shipping, "paid": True, "paid_minor": amount_minor}

    def dispatch(self, carrier: str, tracking_number: str, at: datetime) -> None:
        self.check_status("dispatch", st.AWAITING_SHIPPING_PAYMENT)
        if not self.shipping.get("paid"):
            raise TransitionRefused("shipping is not paid yet", field="status", rule="S2")
        self._dispatch(carrier=carrier, tracking_number=tracking_number, at=at)

    @event("Dispatched")
    def _dispatch(self, carrier: str, tracking_number: str, at: datetime) -> None:
        self.status = st.SHIPPED
        self.shipping = {**self.shipping, "tracking_number": tracking_number}

    def deliver(self, signed_by: str, at: datetime) -> None:
        self.check_status("deliver", st.SHIPPED)
        self._deliver(signed_by=signed_by, at=at)

    @event("Delivered")
    def _deliver(self, signed_by: str, at: datetime) -> None:
        self.status = st.DELIVERED

    def confirm_receipt(self, at: datetime) -> None:
        self.check_status("confirm receipt of", st.DELIVERED)
        self._complete(at=at, customer_id=self.customer_id)

    @event("Completed")
    def _complete(self, at: datetime, customer_id: str) -> None:
        self.status = st.COMPLETED

    # --- cancellation, changes, refunds, SLA ----------------------------------------------------
    def cancel(self, terms: CancellationTerms, at: datetime) -> None:
        """Cancel on the terms quoted for `at` (O5); refused when the terms say so."""
        if not terms.cancellable:
            raise CancellationRefused(terms.reason, field="status", rule="O5")
        self._cancel(
            fee_minor=terms.fee_minor,
            refund_minor=terms.refund_minor,
            reason=terms.reason,
            policy_version=terms.policy_version,
            at=at,
            **self._context(),
        )

    @event("Cancelled")
    def _cancel(
        self,
        fee_minor: int,
        refund_minor: int,
        reason: str,
        policy_version: str,
        at: datetime,
        customer_id: str,
        currency: str,
    ) -> None:
        self.status = st.CANCELLED
        self.cancellation = {"fee_minor": fee_minor, "refund_minor": refund_minor, "reason": reason, "at": at}

    def change(self, actor: str, reason: str, lines: list[dict[str, Any]], at: datetime) -> None:
        self.check_status("change", *st.CHANGEABLE)
        new_total = order_total(lines, self.sample, self.sample_fee_minor)
        self._change(actor=actor, reason=reason, lines=lines, at=at, new_total_minor=new_total, **self._context())

    @event("Changed")
    def _change(
        self,
        actor: str,
        reason: str,
        lines: list[dict[str, Any]],
        at: datetime,
        new_total_minor: int,
        customer_id: str,
        currency: str,
    ) -> None:
        self.changes.append({"actor": actor, "reason": reason, "at": at, "lines_before": self.lines})
        self.lines = lines

    @event("RefundRecorded")
    def record_refund(self, amount_minor: int, reason: str, at: datetime) -> None:
        self.refunded_minor += amount_minor

    def breach_picking_sla(self, due_at: datetime, at: datetime) -> bool:
        """Record the picking SLA breach (O6) unless picking finished or the order ended."""
        if self.picking_finished_at is not None or self.status not in (st.CONFIRMED, st.PROCESSING):
            return False
        self._breach_picking_sla(due_at=due_at, at=at, confirmed_at=self.confirmed_at)
        return True

    @event("PickingSlaBreached")
    def _breach_picking_sla(self, due_at: datetime, at: datetime, confirmed_at: datetime | None) -> None:
        self.sla_breached_at = at

    def record_payment_failure(self, purpose: str, reason: str, at: datetime) -> bool:
        """A payment attempt failed (declined card, deposit short): shown on the order, status unchanged.
        Only while that payment is still awaited; the same failure twice is recorded once."""
        awaited = st.PENDING_PAYMENT if purpose != "shipping" else st.AWAITING_SHIPPING_PAYMENT
        failure = {"purpose": purpose, "reason": reason, "at": at}
        if self.status != awaited or failure in self.payment_failures:
            return False
        self._record_payment_failure(purpose=purpose, reason=reason, at=at)
        return True

    @event("PaymentFailureRecorded")
    def _record_payment_failure(self, purpose: str, reason: str, at: datetime) -> None:
        self.payment_failures.append({"purpose": purpose, "reason": reason, "at": at})


def order_total(lines: list[dict[str, Any]], sample: bool, sample_fee_minor: int) -> int:
    """O3: sample orders pay the sample fee per item; others pay the unit prices."""
    if sample:
        return sum(line["quantity"] for line in lines) * sample_fee_minor
    return sum(line["quantity"] * line["unit_price_minor"] for line in lines)
