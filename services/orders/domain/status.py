"""Order statuses (O4). They are derived by replaying events, never set from outside."""

from __future__ import annotations

PENDING_PAYMENT = "PendingPayment"
CONFIRMED = "Confirmed"
PROCESSING = "Processing"
AWAITING_SHIPPING_PAYMENT = "AwaitingShippingPayment"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
COMPLETED = "Completed"
CANCELLED = "Cancelled"

ALL = (PENDING_PAYMENT, CONFIRMED, PROCESSING, AWAITING_SHIPPING_PAYMENT, SHIPPED, DELIVERED, COMPLETED, CANCELLED)
CHANGEABLE = (PENDING_PAYMENT, CONFIRMED, PROCESSING)
"""O7: account managers may change an order until shipping is quoted."""
