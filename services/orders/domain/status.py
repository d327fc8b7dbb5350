"""Order statuses (O4). They are derived by replaying events, never set from outside."""

from __future__ import annotations

PENDING_PAYMENT = "PendingPayment"
HELD_FOR_REVIEW = "HeldForReview"
"""P5: drawn for a fraud check; money may arrive, the order confirms only once ops approve."""
CONFIRMED = "Confirmed"
PROCESSING = "Processing"
AWAITING_SHIPPING_PAYMENT = "AwaitingShippingPayment"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
EXPIRED = "Expired"
"""Not paid within the payment window (ORDERS_PAYMENT_WINDOW_HOURS): ended, like a free cancellation."""

ALL = (
    PENDING_PAYMENT,
    HELD_FOR_REVIEW,
    CONFIRMED,
    PROCESSING,
    AWAITING_SHIPPING_PAYMENT,
    SHIPPED,
    DELIVERED,
    COMPLETED,
    CANCELLED,
    EXPIRED,
)
ENDED = (CANCELLED, EXPIRED)
"""The order ended before it was fulfilled: money that still arrives for it is owed back (P6)."""
UNPAID = (PENDING_PAYMENT, HELD_FOR_REVIEW)
"""Not confirmed yet (O4): cancelling is free (O5), and the payment window can expire it."""
CHANGEABLE = (PENDING_PAYMENT, HELD_FOR_REVIEW, CONFIRMED, PROCESSING)
"""O7: account managers may change an order until shipping is quoted."""
