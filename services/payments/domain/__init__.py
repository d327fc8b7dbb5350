"""Payments domain.

(card, PayPal, bank transfer with vouchers, deposits and refunds).
Pure: no I/O. Grown by its own issue.
"""
