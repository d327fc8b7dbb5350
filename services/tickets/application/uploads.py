"""Photos as a request brings them: checked from their bytes (type, size, count) before anything is
stored, then turned into the domain's Photo with a content-addressed id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.tickets.adapters.photos import sniff
from services.tickets.domain.photos import Photo, check_count, check_photo, photo_id


@dataclass(frozen=True)
class PhotoUpload:
    """One uploaded photo: its bytes, and the name the client gave it (never trusted for the type)."""

    data: bytes
    filename: str | None = None


def checked(ticket_id: uuid.UUID, uploads: list[PhotoUpload], max_bytes: int, max_count: int) -> list[Photo]:
    """Every upload as a Photo, or PhotoRefused naming the first bad one (`photos.<index>`)."""
    check_count(len(uploads), max_count)
    photos = []
    for index, upload in enumerate(uploads):
        content_type = check_photo(sniff(upload.data), len(upload.data), max_bytes, f"photos.{index}")
        photos.append(Photo(photo_id(ticket_id, upload.data), ticket_id, content_type, upload.data))
    return photos
