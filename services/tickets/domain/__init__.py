"""Tickets domain: after-sale tickets (T1-T5), the order facts they are judged on, photos' rules.
Pure: no I/O, no framework."""
