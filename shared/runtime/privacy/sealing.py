"""One sealed value: AES-256-GCM under a customer's data key, as a JSON-able token.

The token is the same dict in a service's store, in its outbox archive and on its topic (the
`Sealed` contract in `shared.events.privacy`): `{"alg", "key_id", "nonce", "ciphertext"}`, nonce and
ciphertext in URL-safe base64. The key id is the associated data, so a ciphertext cannot be passed
off as sealed under another customer's key. `alg` "none" marks a value published before sealing
(an upcast message): its `ciphertext` is the plaintext, readable without a key."""

from __future__ import annotations

import base64
import os
from typing import Any, Literal, TypedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ERASED = "[erased]"
"""What a personal field reads as once its customer's key is destroyed."""


class Sealed(TypedDict):
    alg: Literal["A256GCM", "none"]
    key_id: str
    nonce: str
    ciphertext: str


class Erased(Exception):
    """The key that sealed a value is destroyed (the customer was forgotten) or never existed here."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode())


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, key_id: str, plaintext: bytes) -> Sealed:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, key_id.encode())
    return {"alg": "A256GCM", "key_id": key_id, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def in_clear(plaintext: bytes) -> Sealed:
    """A value that was never sealed (published before sealing), in the token's shape."""
    return {"alg": "none", "key_id": "", "nonce": "", "ciphertext": _b64(plaintext)}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and {"alg", "key_id", "nonce", "ciphertext"} <= value.keys()


def open_sealed(key: bytes | None, token: Sealed | dict[str, Any]) -> bytes:
    """The plaintext of `token`; Erased if `key` is None (destroyed) or does not open it."""
    if token["alg"] == "none":
        return _unb64(token["ciphertext"])
    if key is None:
        raise Erased(f"key {token['key_id']} is destroyed")
    try:
        return AESGCM(key).decrypt(_unb64(token["nonce"]), _unb64(token["ciphertext"]), token["key_id"].encode())
    except InvalidTag:
        raise Erased(f"key {token['key_id']} does not open the value") from None
