"""The relay's envelope bytes (`wrap_json`, payload serialised once by its model) are exactly those of
`wrap(...).to_json()`: archived envelopes and topic values are compared byte for byte by the audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.events import decode, specs, wrap
from shared.events.inventory import ReservedLine, StockReserved
from shared.events.registry import wrap_json
from tests.unit.test_contracts import sample

CURRENT = sorted({(s.event_type, max(t.version for t in specs() if t.event_type == s.event_type)) for s in specs()})
TRICKY = ["plain", "é ü 中文 💍", 'quote " backslash \\ slash /', "ctl \n\t\r \x01 \x1f \x7f", "\u2028\u2029"]


@pytest.mark.parametrize(("event_type", "version"), CURRENT, ids=[t for t, _ in CURRENT])
def test_wrap_json_gives_the_bytes_of_wrap_to_json_for_every_event_type(event_type: str, version: int) -> None:
    envelope, payload = decode(sample(event_type, version))
    kwargs: dict[str, Any] = {
        "occurred_at": envelope.occurred_at,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "aggregate_id": envelope.aggregate_id,
        "aggregate_version": envelope.aggregate_version,
        "order_id": envelope.order_id,
        "event_id": envelope.event_id,
    }
    whole = wrap(event_type, payload, **kwargs)
    meta, value = wrap_json(event_type, payload, **kwargs)
    assert value == whole.to_json()
    assert meta == whole.model_copy(update={"payload": {}})


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize(
    "at",
    [datetime(2026, 11, 28, 9, 0, tzinfo=UTC), datetime(2026, 11, 28, 9, 0, 0, 1, tzinfo=timezone(timedelta(hours=2)))],
)
def test_wrap_json_escapes_and_formats_as_wrap_does(text: str, at: datetime) -> None:
    reserved = StockReserved(
        order_id=text, lines=[ReservedLine(sku=text, asked=2, reserved=1, short=1)], reserved_at=at
    )
    kwargs: dict[str, Any] = {"occurred_at": at, "correlation_id": text, "causation_id": text, "event_id": uuid.uuid4()}
    whole = wrap("StockReserved", reserved, **kwargs)
    assert wrap_json("StockReserved", reserved, **kwargs)[1] == whole.to_json()
    assert decode(whole.to_json())[1] == reserved


def test_wrap_json_refuses_what_wrap_refuses() -> None:
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    reserved = StockReserved(
        order_id="o-1", lines=[ReservedLine(sku="R", asked=1, reserved=1, short=0)], reserved_at=at
    )
    with pytest.raises(TypeError, match="OrderPlaced v3 expects OrderPlaced, got StockReserved"):
        wrap_json("OrderPlaced", reserved, occurred_at=at, correlation_id="c-1")
    invented = StockReserved.model_validate({**reserved.model_dump(), "invented": 1})
    with pytest.raises(TypeError, match="does not declare invented"):
        wrap_json("StockReserved", invented, occurred_at=at, correlation_id="c-1")
    with pytest.raises(ValueError, match="timezone-aware"):
        wrap_json("StockReserved", reserved, occurred_at=at.replace(tzinfo=None), correlation_id="c-1")
