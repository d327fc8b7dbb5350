"""The Order aggregate. Its status is derived from its events (O4), never set from outside.

The Order decides (each command checks the rules, then triggers an event); each event says how it
changes the order: `changes` (stock, reductions, changes, cancellation), `payment`, `fulfilment`.
Placing it is in `placing`, pricing and line arithmetic in `lines`, the cancellation terms (O5) in
`cancellation`."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from services.orders.domain import changes, fulfilment, payment
from services.orders.domain import status as st
from services.orders.domain.bounds import check_total
from services.orders.domain.errors import CancellationRefused, TransitionRefused
from services.orders.domain.lines import Catalogue, Requested, order_total, reduce_lines, reprice
from services.orders.domain.values import (
    Address,
    Cancellation,
    CancellationTerms,
    OrderChange,
    OrderLine,
    PaymentFailure,
    ReservedLine,
    Shipping,
    ShippingProblem,
)

if TYPE_CHECKING:
    from services.orders.domain.state import OrderState


class Order(Aggregate):
    Placed: ClassVar[type[Any]]
    StockReservationRecorded = changes.StockReservationRecorded
    ItemsReduced = changes.ItemsReduced
    Changed = changes.Changed
    Cancelled = changes.Cancelled
    Expired = changes.Expired
    Confirmed = payment.Confirmed
    PaymentReceived = payment.PaymentReceived
    HeldForReview = payment.HeldForReview
    ReviewCleared = payment.ReviewCleared
    OverpaymentRecorded = payment.OverpaymentRecorded
    RefundRecorded = payment.RefundRecorded
    PaymentFailureRecorded = payment.PaymentFailureRecorded
    ProcessingStarted = fulfilment.ProcessingStarted
    PickingFinished = fulfilment.PickingFinished
    PickingSlaBreached = fulfilment.PickingSlaBreached
    ShippingQuoteRefused = fulfilment.ShippingQuoteRefused
    ShippingQuoted = fulfilment.ShippingQuoted
    ShippingPaid = fulfilment.ShippingPaid
    Dispatched = fulfilment.Dispatched
    Delivered = fulfilment.Delivered
    Completed = fulfilment.Completed

    # Attributes newer than some stored snapshots: a snapshot taken before them loads with these.
    carrier: str | None = None
    shipping_problem: ShippingProblem | None = None
    payment_due_at: datetime | None = None
    request_digest: str | None = None
    expired_at: datetime | None = None

    @event("Placed")
    def __init__(
        self,
        order_id: str,
        customer_id: str,
        lines: list[OrderLine],
        currency: str,
        placed_at: datetime,
        sample: bool = False,
        sample_fee_minor: int = 0,
        payment_method: str | None = None,
        shipping_address: Address | None = None,
        billing_address: Address | None = None,
        contact_email: str | None = None,
        carrier: str | None = None,
        payment_due_at: datetime | None = None,
        request_digest: str | None = None,
    ) -> None:
        """`payment_due_at`: unpaid by then, the order expires (None: placed before orders expired).
        `request_digest`: what the request that placed it said (O1: a key reused for another request
        is refused; None: placed before it was kept, or without a key)."""
        self.order_id = order_id
        self.customer_id = customer_id
        self.lines = list(lines)
        self.currency = currency
        self.placed_at = placed_at
        self.sample = sample
        self.sample_fee_minor = sample_fee_minor
        self.payment_method = payment_method
        self.shipping_address = shipping_address
        self.billing_address = billing_address
        self.contact_email = contact_email
        self.carrier = carrier
        self.payment_due_at = payment_due_at
        self.request_digest = request_digest
        self.expired_at = None
        self.status = st.PENDING_PAYMENT
        self.stock = "awaiting reservation"
        self.reservation: list[ReservedLine] = []
        self.paid_minor = 0
        self.refund_due_minor = 0
        self.refunded_minor = 0
        self.confirmed_at: datetime | None = None
        self.policy_version: str | None = None
        self.weight_grams: int | None = None
        self.picking_finished_at: datetime | None = None
        self.sla_breached_at: datetime | None = None
        self.shipping: Shipping | None = None
        self.shipping_problem = None
        self.cancellation: Cancellation | None = None
        self.changes: list[OrderChange] = []
        self.payment_failures: list[PaymentFailure] = []

    @staticmethod
    def create_id(order_id: str, **_: Any) -> uuid.UUID:
        """The id is chosen by the caller (so a retried checkout cannot create a twin)."""
        return uuid.UUID(order_id)

    @property
    def total_minor(self) -> int:
        """The order total after reductions and changes (O3: sample orders pay the fee per item)."""
        return order_total(self.lines, self.sample, self.sample_fee_minor)

    @property
    def paid_net_minor(self) -> int:
        """What was paid for the goods, less what is already owed back."""
        return self.paid_minor - self.refund_due_minor

    def check_status(self, action: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise TransitionRefused(
                f"cannot {action} an order that is {self.status} (allowed from {', '.join(allowed)})",
                field="status",
                rule="O4",
            )

    # --- what was ordered: stock, reductions, changes, cancellation ------------------------------
    def record_reservation(self, lines: list[ReservedLine], at: datetime) -> None:
        self.trigger_event(self.StockReservationRecorded, lines=lines, at=at)

    def reduce(self, quantities: dict[str, int], reason: str, at: datetime) -> bool:
        """Lower line quantities (I3), owing back what was paid above the new total; False if nothing changes."""
        self.check_status("reduce the items of", *st.CHANGEABLE)
        reduced, new_lines = reduce_lines(self.lines, quantities)
        if not reduced:
            return False
        previous, new_total = self.total_minor, order_total(new_lines, self.sample, self.sample_fee_minor)
        self.trigger_event(
            self.ItemsReduced,
            lines=reduced,
            new_lines=new_lines,
            previous_total_minor=previous,
            new_total_minor=new_total,
            refund_minor=max(0, min(self.paid_net_minor - new_total, previous - new_total)),
            reason=reason,
            at=at,
        )
        return True

    def change(
        self, actor: str, reason: str, requested: Requested, catalogue: Catalogue, at: datetime, max_total_minor: int
    ) -> None:
        """An account manager's change (O7), audited with who and why; allowed until shipping is quoted,
        each line at least its product's MOQ (O2), the new total below the ceiling (X3). A decrease owes
        back what was paid above the new total (P6); an increase asks for the difference (the order is not
        Confirmed until it is paid)."""
        self.check_status("change", *st.CHANGEABLE)
        lines = reprice(requested, self.lines, self.currency, catalogue, sample=self.sample)
        previous, new_total = self.total_minor, order_total(lines, self.sample, self.sample_fee_minor)
        check_total(new_total, self.currency, max_total_minor)
        refund = max(0, min(self.paid_net_minor - new_total, previous - new_total))
        money = dict(new_total_minor=new_total, previous_total_minor=previous, refund_minor=refund)
        self.trigger_event(self.Changed, actor=actor, reason=reason, lines=lines, at=at, **money)

    def cancel(self, terms: CancellationTerms, at: datetime) -> None:
        """Cancel on the terms quoted for `at` (O5); refused when the terms say so."""
        if not terms.cancellable:
            raise CancellationRefused(terms.reason, field="status", rule="O5")
        fee, refund, version = terms.fee_minor, terms.refund_minor, terms.policy_version
        self.trigger_event(
            self.Cancelled, fee_minor=fee, refund_minor=refund, reason=terms.reason, policy_version=version, at=at
        )

    def expire(self, at: datetime) -> bool:
        """The payment window closed (O4): an order still awaiting its payment (or held for review) ends."""
        if self.status not in st.UNPAID:
            return False
        due = self.payment_due_at or at
        hours = round((due - self.placed_at).total_seconds() / 3600)
        self.trigger_event(
            self.Expired,
            placed_at=self.placed_at,
            payment_due_at=due,
            total_minor=self.total_minor,
            reason=f"not paid within {hours} h of placing",
            at=at,
        )
        return True

    # --- payment -------------------------------------------------------------------------------
    def receive_payment(self, method: str, amount_minor: int, policy_version: str, at: datetime) -> None:
        """Money for the goods arrived (O4): it confirms a PendingPayment order once what was paid covers
        the total; otherwise (held for review, P5; partly paid, P2/O7; cancelled, O5; confirmed) it is
        recorded, and on a confirmed order what exceeds the total is owed back (P6)."""
        if self.status == st.PENDING_PAYMENT and self.paid_net_minor + amount_minor >= self.total_minor:
            self.confirm(method, amount_minor, policy_version, at)
            return
        self.trigger_event(self.PaymentReceived, method=method, amount_minor=amount_minor, at=at)
        if self.status not in (*st.UNPAID, *st.ENDED):
            self._owe_back_excess(at)

    def hold_for_review(self, at: datetime) -> bool:
        """P5: payments drew the order for a fraud check; shown as held until ops decide."""
        if self.status != st.PENDING_PAYMENT:
            return False
        self.trigger_event(self.HeldForReview, at=at)
        return True

    def clear_review(self, policy_version: str, at: datetime) -> bool:
        """P5: ops approved the order: confirmed if what was paid covers it, else it waits for its payment."""
        if self.status != st.HELD_FOR_REVIEW:
            return False
        self.trigger_event(self.ReviewCleared, at=at)
        if self.paid_minor and self.paid_net_minor >= self.total_minor:
            self.confirm(self.payment_method or "unknown", 0, policy_version, at)
        return True

    def reject_on_review(self, reason: str, policy_version: str, at: datetime) -> bool:
        """P5: ops rejected the order: cancelled free, what was paid goes back in full (payments refunds it)."""
        if self.status not in st.UNPAID:
            return False
        self.cancel(payment.rejected_terms(self, reason, self.policy_version or policy_version, at), at)
        return True

    def confirm(self, method: str, amount_minor: int, policy_version: str, at: datetime) -> None:
        """Paid: confirmed under the current policy version; what exceeds a reduced total is owed back (P6)."""
        self.check_status("confirm", st.PENDING_PAYMENT)
        self.trigger_event(
            self.Confirmed,
            method=method,
            amount_minor=amount_minor,
            policy_version=policy_version,
            at=at,
            total_minor=self.total_minor,
        )
        self._owe_back_excess(at)

    def _owe_back_excess(self, at: datetime) -> None:
        excess = self.paid_net_minor - self.total_minor
        if excess > 0:
            paid, total = self.paid_minor, self.total_minor
            self.trigger_event(self.OverpaymentRecorded, paid_minor=paid, total_minor=total, refund_minor=excess, at=at)

    def record_refund(self, amount_minor: int, reason: str, at: datetime, purpose: str | None = None) -> None:
        """P6: money went back, shown with the payment it came from (the goods, or the shipping)."""
        self.trigger_event(self.RefundRecorded, amount_minor=amount_minor, reason=reason, at=at, purpose=purpose)

    def record_payment_failure(self, purpose: str, reason: str, at: datetime) -> bool:
        """A payment attempt failed (declined card, deposit short): shown on the order, status unchanged.
        Only while that payment is still awaited; the same failure twice is recorded once."""
        awaited = st.UNPAID if purpose != "shipping" else (st.AWAITING_SHIPPING_PAYMENT,)
        if self.status not in awaited or PaymentFailure(purpose, reason, at) in self.payment_failures:
            return False
        self.trigger_event(self.PaymentFailureRecorded, purpose=purpose, reason=reason, at=at)
        return True

    # --- fulfilment (I4, O6, S1-S4) ------------------------------------------------------------
    def start_processing(self, at: datetime) -> None:
        """Picking started (I4): on a confirmed order, or on one confirmed before and raised since (O7)."""
        if not (self.status == st.PENDING_PAYMENT and self.confirmed_at is not None):
            self.check_status("start picking", st.CONFIRMED)
        self.trigger_event(self.ProcessingStarted, at=at)

    def finish_picking(self, weight_grams: int, at: datetime) -> None:
        self.check_status("finish picking", st.PROCESSING)
        if self.picking_finished_at is not None:
            raise TransitionRefused("picking has finished already", field="status", rule="I4")
        self.trigger_event(self.PickingFinished, weight_grams=weight_grams, at=at)

    def breach_picking_sla(self, confirmed_at: datetime, due_at: datetime, at: datetime) -> bool:
        """Inventory reported that picking missed its deadline (O6, I4): shown on the order, once, unless
        picking finished or the order ended meanwhile."""
        if self.status not in (st.CONFIRMED, st.PROCESSING) or self.picking_finished_at or self.sla_breached_at:
            return False
        self.trigger_event(self.PickingSlaBreached, due_at=due_at, at=at, confirmed_at=confirmed_at)
        return True

    def record_shipping_problem(self, problem: ShippingProblem) -> bool:
        """Shipping could not quote the prepared goods (S1): shown on the order until a quote comes;
        the same problem twice is recorded once."""
        if self.status != st.PROCESSING or self.shipping_problem == problem:
            return False
        self.trigger_event(self.ShippingQuoteRefused, **asdict(problem))
        return True

    def quote_shipping(self, carrier: str, cost_minor: int, at: datetime) -> None:
        self.check_status("quote shipping for", st.PROCESSING)
        self.trigger_event(self.ShippingQuoted, carrier=carrier, cost_minor=cost_minor, at=at)

    def pay_shipping(self, amount_minor: int, at: datetime) -> None:
        self.check_status("pay shipping for", st.AWAITING_SHIPPING_PAYMENT)
        if fulfilment.quoted(self).paid:
            raise TransitionRefused("shipping is paid already", field="status", rule="P7")
        self.trigger_event(self.ShippingPaid, amount_minor=amount_minor, at=at)

    def dispatch(self, carrier: str, tracking_number: str, at: datetime) -> None:
        self.check_status("dispatch", st.AWAITING_SHIPPING_PAYMENT)
        if not fulfilment.quoted(self).paid:
            raise TransitionRefused("shipping is not paid yet", field="status", rule="S2")
        self.trigger_event(self.Dispatched, carrier=carrier, tracking_number=tracking_number, at=at)

    def deliver(self, signed_by: str, at: datetime) -> None:
        self.check_status("deliver", st.SHIPPED)
        self.trigger_event(self.Delivered, signed_by=signed_by, at=at)

    def confirm_receipt(self, at: datetime) -> None:
        self.check_status("confirm receipt of", st.DELIVERED)
        self.trigger_event(self.Completed, at=at)


if TYPE_CHECKING:
    _events_apply_to_orders: type[OrderState] = Order
