"""Personal data in contracts: sealed per customer (crypto-shredding, docs/design.md).

A `Sealed` value is AES-256-GCM ciphertext under the customer's data key, which only the producing
service holds (its key table); the same bytes are in its store. A consumer that needs the plaintext
asks the producer to open it (orders: `POST /privacy/open`), keeps only the token itself, and reads
`[erased]` once the customer was forgotten. `alg` "none" carries a value published before sealing
(an upcast message) in the clear, base64-encoded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.base import Contract


class Sealed(Contract):
    alg: Literal["A256GCM", "none"] = Field(description="A256GCM: AES-256-GCM with the key id as associated data")
    key_id: str = Field(description="The customer data key that seals it ('' for alg none)")
    nonce: str = Field(description="96-bit nonce, URL-safe base64 ('' for alg none)")
    ciphertext: str = Field(description="Ciphertext and tag, URL-safe base64 (the plaintext for alg none)")
