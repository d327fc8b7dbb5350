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
)
UNPAID = (PENDING_PAYMENT, HELD_FOR_REVIEW)
"""Not confirmed yet (O4): cancelling is free (O5)."""
CHANGEABLE = (PENDING_PAYMENT, HELD_FOR_REVIEW, CONFIRMED, PROCESSING)
"""O7: account managers may change an order until shipping is quoted."""
