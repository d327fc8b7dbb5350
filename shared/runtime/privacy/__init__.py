"""Crypto-shredding of personal data (names, addresses, e-mails, card last four).

Personal fields of stored events are sealed with AES-256-GCM under a data key of their customer
(`sealing`), kept in the producing service's own key table (`keys`); the store's mapper seals them on
the way in and opens them on the way out (`mapper`). Destroying a customer's keys (`forget`) leaves
every sealed byte where it is (the hash chain, the outbox archive and the topic keep verifying) but
makes it unreadable: replay shows the fields as `ERASED`."""

from shared.runtime.privacy.sealing import ERASED, Erased, Sealed, open_sealed, seal

__all__ = ["ERASED", "Erased", "Sealed", "open_sealed", "seal"]
