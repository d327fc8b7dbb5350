"""Photo storage (the PhotoStore port) and type sniffing.

The type is read from the bytes with `filetype` (magic numbers), never from a name or a header.
Production keeps photos in the service's own PostgreSQL database (a table of its own, bytea); unit
tests keep them in a dictionary. Nothing is written before the photo passed its checks."""

from __future__ import annotations

import uuid

import filetype  # type: ignore[import-untyped]

from services.tickets.domain.photos import Photo
from shared.runtime.files import FileTable


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes themselves show (an image type), or None."""
    kind = filetype.image_match(data)
    return str(kind.mime) if kind is not None else None


class InMemoryPhotoStore:
    def __init__(self) -> None:
        self._photos: dict[uuid.UUID, Photo] = {}

    def put(self, photo: Photo) -> None:
        self._photos.setdefault(photo.photo_id, photo)

    def get(self, photo_id: uuid.UUID) -> Photo | None:
        return self._photos.get(photo_id)

    def count(self) -> int:
        return len(self._photos)

    def delete(self, ticket_ids: list[uuid.UUID]) -> int:
        gone = [p for p, photo in self._photos.items() if photo.ticket_id in set(ticket_ids)]
        for photo_id in gone:
            del self._photos[photo_id]
        return len(gone)


_DDL = """
CREATE TABLE IF NOT EXISTS ticket_photos (
    photo_id uuid PRIMARY KEY,
    ticket_id uuid NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    data bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
)
"""


class PostgresPhotoStore:
    """Photos in the `ticket_photos` table of the tickets database; the table is made on first use
    (constructing the store connects to nothing)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._table = FileTable(dsn, _DDL)
        self._connect = self._table.connect

    def put(self, photo: Photo) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO ticket_photos (photo_id, ticket_id, content_type, size, data) VALUES (%s,%s,%s,%s,%s) "
                "ON CONFLICT (photo_id) DO NOTHING",
                (photo.photo_id, photo.ticket_id, photo.content_type, photo.size, photo.data),
            )

    def get(self, photo_id: uuid.UUID) -> Photo | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT photo_id, ticket_id, content_type, data FROM ticket_photos WHERE photo_id = %s", (photo_id,)
            ).fetchone()
        return Photo(row[0], row[1], row[2], bytes(row[3])) if row else None

    def count(self) -> int:
        with self._connect() as conn:
            row = conn.execute("SELECT count(*) FROM ticket_photos").fetchone()
        return int(row[0]) if row else 0

    def delete(self, ticket_ids: list[uuid.UUID]) -> int:
        with self._connect() as conn:
            return conn.execute("DELETE FROM ticket_photos WHERE ticket_id = ANY(%s)", (ticket_ids,)).rowcount
