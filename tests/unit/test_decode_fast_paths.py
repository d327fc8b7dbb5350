"""Envelopes are validated by pydantic straight from the bytes: the same envelope as from a dict, and
messages that do not decode are refused with the same reasons as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.events import ContractError, Envelope, decode, wrap
from shared.events.inventory import ReservedLine, StockReserved

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def envelope_bytes() -> bytes:
    payload = StockReserved(
        order_id="o-1", lines=[ReservedLine(sku="B-1", asked=1, reserved=1, short=0)], reserved_at=AT
    )
    return wrap("StockReserved", payload, occurred_at=AT, correlation_id="c-1").to_json()


def test_an_envelope_decoded_from_bytes_equals_one_decoded_from_its_dict():
    raw = envelope_bytes()
    envelope, typed = decode(raw)
    again, typed_again = decode(raw.decode())
    assert envelope == again and typed == typed_again
    from_dict = Envelope.model_validate(json.loads(raw))  # the old path
    assert envelope.model_copy(update={"payload": from_dict.payload}) == from_dict
    assert envelope.to_json() == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "value: not JSON (Expecting value: line 1 column 1 (char 0))"),
        (b"\xff\xfe", "value: not JSON ("),
        (b"[1, 2]", "value: an envelope must be a JSON object"),
        (b'"text"', "value: an envelope must be a JSON object"),
        (b"{}", "envelope: event_id: Field required"),
    ],
)
def test_messages_that_do_not_decode_are_refused_with_the_same_reasons(raw, reason):
    with pytest.raises(ContractError) as caught:
        decode(raw)
    assert str(caught.value).startswith(reason)


def test_an_envelope_with_a_bad_field_names_it_as_before():
    data = json.loads(envelope_bytes())
    data["occurred_at"] = "2026-03-02T09:00:00"  # no zone
    with pytest.raises(ContractError, match=r"^envelope: occurred_at: Value error, occurred_at must be timezone-aware"):
        decode(json.dumps(data).encode())
    data = json.loads(envelope_bytes())
    data["payload"]["lines"] = "none"
    with pytest.raises(ContractError, match=r"^payload\.lines: "):
        decode(json.dumps(data).encode())
