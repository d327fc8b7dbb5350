"""Tickets domain.

(after-sale tickets, replies and automatic closing).
Pure: no I/O. Grown by its own issue.
"""
