"""Shipping domain.

(quotes by weight and carrier, dispatch and tracking).
Pure: no I/O. Grown by its own issue.
"""
