"""The stored events' transcoder reads with orjson what eventsourcing's JSON transcoder read, into the same
objects, and writes the same bytes (the hash chain covers them); what orjson reads otherwise goes the old way."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from services.inventory.adapters import transcodings as inventory_transcodings
from services.inventory.domain.values import Hold, Shortfall
from services.orders.adapters import transcodings as orders_transcodings
from shared.runtime.transcoder import FastJSONTranscoder

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def transcoders() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    old, new = JSONTranscoder(), FastJSONTranscoder()
    for transcoder in (old, new):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # eventsourcing's own
            transcoder.register(transcoding)
        orders_transcodings.register(transcoder)
        inventory_transcodings.register(transcoder)
    return old, new


STATES: list[Any] = [
    {"hold": Hold(customer_id="c-1", quantity=2, expires_at=AT), "at": AT, "id": uuid.uuid4()},
    {"shortfall": Shortfall((), "gone", AT), "nested": [[{"deep": [AT, {"x": None}]}]], "t": True},
    {"price": Decimal("12.50"), "text": 'Żółć \u2028 \x00 "q" \\ ü', "f": 0.1, "neg": -3, "empty": {}, "list": []},
    {"_type_": "looks tagged", "but": "has three keys", "x": 1.5e300},
    {"max": 2**64 - 1, "min": -(2**63)},
    [1, "two", None, True],
    "just a string",
]


@pytest.mark.parametrize("state", STATES)
def test_stored_events_read_as_with_the_old_transcoder_and_write_the_same_bytes(state):
    old, new = transcoders()
    stored = old.encode(state)
    assert new.encode(state) == stored
    assert new.decode(stored) == old.decode(stored) == state
    assert new.encode(new.decode(stored)) == stored


@pytest.mark.parametrize(
    "stored",
    [
        b'{"huge":1180591620717411303424,"x":[-1208925819614629174706176]}',  # orjson: floats
        b'{"inf":Infinity,"nan":NaN}',  # orjson refuses
        b'{"big":1e400}',
        b'{"lone":"\\ud800"}',
        b'{"a":1,"a":2}',
    ],
)
def test_what_orjson_reads_otherwise_reads_the_old_way(stored):
    old, new = transcoders()
    expected, got = old.decode(stored), new.decode(stored)
    assert repr(got) == repr(expected)
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def test_a_nan_written_by_the_old_transcoder_reads_back():
    old, new = transcoders()
    assert math.isnan(new.decode(old.encode({"x": math.nan}))["x"])


def test_a_tag_no_transcoding_knows_is_refused_as_before():
    old, new = transcoders()
    for transcoder in (old, new):
        with pytest.raises(TranscodingNotRegisteredError, match="nobody"):
            transcoder.decode(b'{"x":{"_type_":"nobody","_data_":1}}')
