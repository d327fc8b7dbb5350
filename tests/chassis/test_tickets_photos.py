"""One suite for the photo store port, run against the dictionary the unit tests use and the
PostgreSQL table production uses: a photo comes back byte for byte, storing it again changes
nothing, an unknown id is None."""

from __future__ import annotations

import uuid

import pytest

from services.tickets.adapters.photos import InMemoryPhotoStore, PostgresPhotoStore
from services.tickets.domain.photos import Photo, PhotoStore, photo_id
from tests.infra import Harness
from tests.unit.tickets.scenario import jpeg, png


def check_store(store: PhotoStore) -> None:
    ticket_id = uuid.uuid4()
    first = Photo(photo_id(ticket_id, png()), ticket_id, "image/png", png())
    second = Photo(photo_id(ticket_id, jpeg()), ticket_id, "image/jpeg", jpeg())
    before = store.count()
    store.put(first)
    store.put(second)
    store.put(first)  # a retried request
    assert store.count() == before + 2
    assert store.get(first.photo_id) == first
    assert store.get(second.photo_id) == second
    assert store.get(uuid.uuid4()) is None


def test_photos_in_memory() -> None:
    check_store(InMemoryPhotoStore())


def test_photos_in_postgresql(harness: Harness) -> None:
    tickets = harness.runtime("tickets")
    store = tickets.app.photos
    assert isinstance(store, PostgresPhotoStore)
    check_store(store)
    with tickets.connect() as conn:
        row = conn.execute("SELECT count(*), sum(size) FROM ticket_photos").fetchone()
    assert row == (2, len(png()) + len(jpeg()))


@pytest.mark.parametrize("data", [png(), jpeg()])
def test_a_photo_id_is_the_same_for_the_same_bytes_on_the_same_ticket(data: bytes) -> None:
    ticket_id = uuid.uuid4()
    assert photo_id(ticket_id, data) == photo_id(ticket_id, data) != photo_id(uuid.uuid4(), data)
