"""Contracts evolve without breaking consumers: a message from a newer producer, carrying fields
its reader does not know (in the envelope, the payload and nested objects), is applied exactly as
the same message without them, by every consumer of its type; a missing required field still goes
to the dead letters; producers may not invent fields."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.events import ContractError, current_version, decode, specs, wrap
from shared.events.base import unknown_fields
from shared.events.inventory import ReservedLine, StockReserved
from shared.runtime.messages import Incoming
from shared.runtime.service import Runtime
from tests.unit.orders.scenario import Scenario as OrdersScenario

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "events" / "samples"
SAMPLE_ORDER = "3f0c8a52-7d1e-4b8e-9a43-2c5d7e9f1a01"
SERVICES = ("orders", "inventory", "payments", "shipping", "tickets")
PRELUDE = {"payments": ["OrderPlaced"], "shipping": ["OrderPlaced"], "tickets": ["OrderPlaced"]}
"""Samples a consumer needs first, so that the event under test meets the state it expects."""


def plain(event_type: str) -> bytes:
    return (SAMPLES / f"{event_type}.v{current_version(event_type)}.json").read_bytes()


def newer(event_type: str) -> bytes:
    return (SAMPLES / "newer" / f"{event_type}.json").read_bytes()


def consumed() -> list[tuple[str, str]]:
    pairs = []
    for service in SERVICES:
        spec = importlib.import_module(f"services.{service}.bootstrap").SPEC
        pairs += [(service, event_type) for event_type in sorted(spec.policies)]
    return pairs


class Consumer:
    """A fresh in-memory runtime of `service`, its prelude applied; orders first places the order."""

    def __init__(self, service: str) -> None:
        self.order_id = SAMPLE_ORDER
        if service == "orders":
            scenario = OrdersScenario()
            self.order_id = str(scenario.place([("RING-STEEL-PEARL", 12)]))
            self.runtime: Runtime[Any] = scenario.runtime
            self.next_id = 100
        else:
            self.runtime = importlib.import_module(f"services.{service}.bootstrap").bootstrap(persistence="memory")
            self.next_id = 1
        for event_type in PRELUDE.get(service, []):
            assert self.apply(plain(event_type)).dead == []

    def apply(self, raw: bytes) -> Any:
        value = raw.replace(SAMPLE_ORDER.encode(), self.order_id.encode())
        producer = json.loads(value)["producer"]
        headers = (("notification_id", str(self.next_id).encode()),)
        message = Incoming(f"{producer}.events", 0, self.next_id, b"k", value, headers)
        self.next_id += 1
        return self.runtime.consumer.apply_batch([message])

    def recorded_since(self, start: int) -> list[str]:
        notifications = self.runtime.app.recorder.select_notifications(start=start + 1, limit=1000)
        return [n.topic.rsplit(".", 1)[-1] for n in notifications]


@pytest.mark.parametrize(("service", "event_type"), consumed(), ids=lambda v: v)
def test_every_consumer_applies_a_message_from_a_newer_producer_as_it_applies_the_known_one(
    service: str, event_type: str
) -> None:
    outcomes = []
    for raw in (plain(event_type), newer(event_type)):
        consumer = Consumer(service)
        before = consumer.runtime.app.max_notification_id()
        result = consumer.apply(raw)
        outcomes.append(((result.applied, result.ignored, result.dead), consumer.recorded_since(before)))
    (known, known_events), (grown, grown_events) = outcomes
    assert grown == known == (1, 0, [])
    assert grown_events == known_events


@pytest.mark.parametrize("event_type", sorted({s.event_type for s in specs()}))
def test_each_event_has_a_newer_producer_sample_that_only_adds_fields(event_type: str) -> None:
    known, grown = json.loads(plain(event_type)), json.loads(newer(event_type))

    def only_adds(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict):
            assert isinstance(b, dict) and set(a) < set(b), f"{path}: adds no field"
            for key, value in a.items():
                only_adds(value, b[key], f"{path}.{key}")
        elif isinstance(a, list):
            assert len(a) == len(b), path
            for index, (x, y) in enumerate(zip(a, b, strict=True)):
                only_adds(x, y, f"{path}.{index}")
        else:
            assert a == b, path

    only_adds(known, grown, event_type)


def test_unknown_fields_are_kept_when_the_message_is_passed_on() -> None:
    envelope, payload = decode(newer("StockReserved"))
    assert envelope.model_extra == {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert unknown_fields(payload) == ["added_later", "extension", "lines.0.added_later"]
    again = json.loads(envelope.to_json())
    assert again["traceparent"].startswith("00-4bf9")
    assert again["payload"]["lines"][0]["added_later"] == "a field a newer producer sends at depth 2"
    assert again["payload"]["extension"] == {"channel": "b2b-portal", "tags": ["wholesale"]}


def test_a_missing_required_field_is_still_a_contract_error() -> None:
    data = json.loads(newer("StockReserved"))
    del data["payload"]["lines"][0]["asked"]
    with pytest.raises(ContractError, match=r"payload\.lines\.0\.asked: Field required"):
        decode(json.dumps(data))
    del data["correlation_id"]
    with pytest.raises(ContractError, match="envelope: correlation_id: Field required"):
        decode(json.dumps(data))


def test_a_consumer_dead_letters_a_newer_message_missing_a_required_field() -> None:
    consumer = Consumer("inventory")
    data = json.loads(newer("OrderPlaced"))
    del data["payload"]["customer_id"]
    result = consumer.apply(json.dumps(data).encode())
    assert [error for _, error in result.dead] == ["payload.customer_id: Field required"]


def test_a_producer_may_not_invent_fields() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    line = ReservedLine(sku="R", asked=2, reserved=2, short=0, colour="gold")  # type: ignore[call-arg]
    reserved = StockReserved(order_id="o-1", lines=[line], reserved_at=at)
    with pytest.raises(TypeError, match=r"StockReserved v1 does not declare lines\.0\.colour"):
        wrap("StockReserved", reserved, occurred_at=at, correlation_id="c-1")
