"""Photos attached to ticket messages: only JPEG or PNG (judged from the bytes, never the name) up to
a size limit. Where they are kept is a port (`PhotoStore`): the service's own PostgreSQL database in
production, a dictionary in unit tests; never the disk."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Protocol

from services.tickets.domain.errors import PhotoRefused

ALLOWED_TYPES = ("image/jpeg", "image/png")
PHOTO_NAMESPACE = uuid.UUID("9e2b4d6f-8a1c-4e3b-b5d7-f9a1c3e5b7d9")


@dataclass(frozen=True)
class Photo:
    photo_id: uuid.UUID
    ticket_id: uuid.UUID
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def describe(self) -> dict[str, str | int]:
        """What a message records about the photo (the bytes stay in the store)."""
        return {"photo_id": str(self.photo_id), "content_type": self.content_type, "size": self.size}


class PhotoStore(Protocol):
    def put(self, photo: Photo) -> None:
        """Keep a photo; the same photo id again changes nothing."""

    def get(self, photo_id: uuid.UUID) -> Photo | None: ...

    def count(self) -> int: ...

    def delete(self, ticket_ids: list[uuid.UUID]) -> int:
        """X4: delete the photos of these tickets (rows outside the log: nothing to seal); how many."""
        ...


def photo_id(ticket_id: uuid.UUID, data: bytes) -> uuid.UUID:
    """Content-addressed within a ticket: a retried upload is the same photo, two uploads never clash."""
    return uuid.uuid5(PHOTO_NAMESPACE, f"{ticket_id}:{hashlib.sha256(data).hexdigest()}")


def check_photo(detected: str | None, size: int, limit: int, field: str) -> str:
    """The photo's type if it is allowed; PhotoRefused naming the field otherwise."""
    if size == 0:
        raise PhotoRefused("the photo is empty", field=field, rule="X3")
    if detected not in ALLOWED_TYPES:
        found = detected or "not a recognised file type"
        raise PhotoRefused(f"only JPEG or PNG photos are accepted (the bytes are {found})", field=field, rule="X3")
    if size > limit:
        raise PhotoRefused(f"the photo is {size} bytes; the limit is {limit} bytes", field=field, rule="X3")
    return detected


def check_count(count: int, limit: int, field: str = "photos") -> None:
    if count > limit:
        raise PhotoRefused(f"{count} photos; a message may carry at most {limit}", field=field, rule="X3")
