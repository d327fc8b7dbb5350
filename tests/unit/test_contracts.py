"""Event contracts: golden samples, upcasting, the AsyncAPI document (its references resolve, it only
grows compatibly from its previous committed version), clear decode errors."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.events import ContractError, decode, specs, wrap
from shared.events.compat import incompatibilities
from shared.events.inventory import ReservedLine, StockReserved
from shared.events.schema import ASYNCAPI_PATH, asyncapi, render

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
    assert doc["asyncapi"] == "3.1.0"
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


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def test_every_reference_in_the_asyncapi_document_resolves_from_its_root() -> None:
    doc = asyncapi()
    refs = set(_refs(doc))
    assert "#/components/schemas/Money" in refs
    for ref in refs:
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]


def _previous_document() -> dict:
    """The last committed asyncapi.json that differs from what the models generate now."""
    root = ASYNCAPI_PATH.parents[2]
    path = ASYNCAPI_PATH.relative_to(root).as_posix()
    commits = subprocess.run(
        ["git", "log", "--format=%H", "--", path], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    current = render()
    for commit in commits:
        text = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=root, capture_output=True, text=True).stdout
        if text and text != current:
            return json.loads(text)
    return json.loads(current)


def test_published_event_schemas_only_grew_compatibly_since_the_previous_committed_document() -> None:
    assert incompatibilities(_previous_document(), asyncapi()) == []


def _grown(change) -> list[str]:
    old = asyncapi()
    new = json.loads(json.dumps(old))
    change(new["components"])
    return incompatibilities(old, new)


def test_adding_an_optional_field_is_compatible_and_renaming_removing_retyping_or_requiring_is_not() -> None:
    def payload(components: dict, name: str = "StockReserved.v1") -> dict:
        return components["messages"][name]["payload"]["properties"]["payload"]

    def add_optional(c: dict) -> None:
        payload(c)["properties"]["warehouse"] = {"type": "string", "default": None}

    def rename(c: dict) -> None:
        payload(c)["properties"]["reserved_on"] = payload(c)["properties"].pop("reserved_at")
        payload(c)["required"] = ["order_id", "lines", "reserved_on"]

    def retype(c: dict) -> None:
        c["schemas"]["Money"]["properties"]["amount_minor"]["type"] = "number"

    def require(c: dict) -> None:
        payload(c, "OrderCancelled.v1")["required"].append("policy_version")

    def close(c: dict) -> None:
        c["schemas"]["ReservedLine"]["additionalProperties"] = False

    def drop_version(c: dict) -> None:
        del c["messages"]["OrderPlaced.v1"]

    assert _grown(add_optional) == []
    assert _grown(rename) == [
        "StockReserved.v1.payload.reserved_at: removed",
        "StockReserved.v1.payload.reserved_on: is a new required field",
    ]
    assert "PaymentCaptured.v1.payload.amount.amount_minor: type changed from 'integer' to 'number'" in _grown(retype)
    assert _grown(require) == ["OrderCancelled.v1.payload.policy_version: became required"]
    assert _grown(close) == [
        "StockReserved.v1.payload.lines[]: now refuses fields it does not know",
        "StockShortfallReduced.v1.payload.lines[]: now refuses fields it does not know",
    ]
    assert _grown(drop_version) == ["OrderPlaced.v1: a published message version was removed"]
