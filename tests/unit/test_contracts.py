"""Event contracts: golden samples, upcasting, the AsyncAPI document, clear decode errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.events import ContractError, decode, specs, wrap
from shared.events.inventory import ReservedLine, StockReserved
from shared.events.schema import ASYNCAPI_PATH, render

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "events" / "samples"


def sample(event_type: str, version: int) -> bytes:
    return (SAMPLES / f"{event_type}.v{version}.json").read_bytes()


def test_every_registered_event_version_has_a_golden_sample() -> None:
    expected = {f"{s.event_type}.v{s.version}.json" for s in specs()}
    assert expected == {p.name for p in SAMPLES.glob("*.json")}


@pytest.mark.parametrize("spec", specs(), ids=lambda s: f"{s.event_type}.v{s.version}")
def test_golden_sample_decodes_to_the_current_version(spec) -> None:
    envelope, payload = decode(sample(spec.event_type, spec.version))
    assert envelope.event_type == spec.event_type
    assert envelope.schema_version == max(s.version for s in specs() if s.event_type == spec.event_type)
    assert type(payload).__name__ in {s.model.__name__ for s in specs() if s.event_type == spec.event_type}


def test_order_placed_v1_upcasts_to_the_current_version_with_money_in_minor_units() -> None:
    envelope, payload = decode(sample("OrderPlaced", 1))
    assert envelope.schema_version == 3
    assert envelope.payload["total"] == {"amount_minor": 5400, "currency": "USD"}
    assert envelope.payload["lines"] == [
        {"sku": "RING-STEEL-PEARL", "quantity": 12, "unit_price": {"amount_minor": 450, "currency": "USD"}}
    ]
    assert payload.model_dump()["sample"] is False


def test_asyncapi_document_is_current() -> None:
    assert ASYNCAPI_PATH.read_text() == render(), "run: python -m shared.events.schema"


def test_asyncapi_lists_every_topic_and_message() -> None:
    doc = json.loads(render())
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc["channels"]) >= {"orders.events", "inventory.events", "orders.events.dlq"}
    assert "OrderPlaced.v2" in doc["components"]["messages"]
    assert "StockShortfallReduced.v1" in doc["channels"]["inventory.events"]["messages"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"not json", "value: not JSON"),
        (b"[]", "value: an envelope must be a JSON object"),
        (b'{"event_type": "OrderPlaced"}', "envelope: event_id"),
    ],
)
def test_undecodable_messages_name_what_is_wrong(raw: bytes, fragment: str) -> None:
    with pytest.raises(ContractError) as info:
        decode(raw)
    assert fragment in str(info.value)


def test_unknown_version_and_bad_payload_are_refused_with_the_field() -> None:
    data = json.loads(sample("StockReserved", 1))
    with pytest.raises(ContractError, match="schema_version: StockReserved has no version 7"):
        decode(json.dumps({**data, "schema_version": 7}))
    data["payload"]["lines"][0]["asked"] = -1
    with pytest.raises(ContractError, match=r"payload\.lines\.0\.asked"):
        decode(json.dumps(data))


def test_money_is_never_a_float() -> None:
    data = json.loads(sample("PaymentCaptured", 1))
    data["payload"]["amount"]["amount_minor"] = 12.5
    with pytest.raises(ContractError, match=r"payload\.amount\.amount_minor"):
        decode(json.dumps(data))


def test_wrap_puts_a_payload_in_the_envelope_of_its_current_version_and_refuses_the_wrong_model() -> None:
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    reserved = StockReserved(
        order_id="o-1", lines=[ReservedLine(sku="R", asked=2, reserved=2, short=0)], reserved_at=at
    )
    envelope = wrap("StockReserved", reserved, occurred_at=at, correlation_id="c-1")
    assert (envelope.event_type, envelope.schema_version, envelope.producer) == ("StockReserved", 1, "inventory")
    assert (envelope.order_id, envelope.aggregate_id, envelope.correlation_id) == ("o-1", "o-1", "c-1")
    assert decode(envelope.to_json())[1] == reserved
    with pytest.raises(TypeError, match="OrderPlaced v3 expects OrderPlaced, got StockReserved"):
        wrap("OrderPlaced", reserved, occurred_at=at, correlation_id="c-1")
