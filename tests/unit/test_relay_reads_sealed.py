"""X4 and the outbox relay: the relay reads the log without opening sealed personal fields (no key looked
up: `SealingMapper.without_opening`), and what it publishes is byte for byte what the opening read
publishes, before and after the customer is forgotten, in every service that seals personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.orders.adapters.outbound import translate as orders_translate
from services.orders.application import Checkout
from services.payments.adapters.outbound import translate as payments_translate
from services.shipping.adapters.outbound import translate as shipping_translate
from services.tickets.adapters.outbound import translate as tickets_translate
from shared.runtime.privacy.mapper import SealingMapper
from shared.runtime.relay import OutboxRelay
from shared.runtime.translate import encoded_for
from tests.unit.orders.scenario import DETAILS
from tests.unit.orders.scenario import Scenario as OrdersScenario
from tests.unit.orders.test_crypto_shredding import RINGS, completed
from tests.unit.payments.scenario import VISA, PaymentsScenario
from tests.unit.shipping.scenario import ShippingScenario
from tests.unit.test_crypto_shredding_services import forgotten
from tests.unit.tickets.scenario import Scenario as TicketsScenario


class NoKeys:
    """A key table the relay's reads must never ask."""

    def key(self, key_id: str) -> bytes | None:
        raise AssertionError(f"the relay looked up key {key_id}")


def publishes(app: Any, mapper: Any, translate: Callable[[Any], Any]) -> list[bytes]:
    """The message values the relay builds for the whole log, read through `mapper`."""
    out = []
    for n in app.recorder.select_notifications(start=1, limit=100_000):
        event = mapper.to_domain_event(n)
        if (outbound := translate(event)) is not None:
            out.append(encoded_for(app.service, event, outbound)[1])
    return out


def relay_mapper(app: Any, translate: Any) -> SealingMapper:
    mapper = OutboxRelay(app, translate, f"{app.service}.events", None, "").mapper
    assert isinstance(mapper, SealingMapper) and not mapper.opens and app.mapper.opens
    mapper.keys = NoKeys()  # type: ignore[assignment]
    return mapper


def orders() -> tuple[Any, Any, Callable[[], object]]:
    s = OrdersScenario()
    completed(s)
    s.app.place_order("cust-2", RINGS, Checkout(**DETAILS.__dict__))  # another customer's key stays
    return s, orders_translate, lambda: s.app.forget_customer("cust-1", "ops-1")


def payments() -> tuple[Any, Any, Callable[[], object]]:
    s = PaymentsScenario()
    s.app.capture(s.placed(5400), "goods", "card", VISA, "key-card-0001")
    return s, payments_translate, lambda: forgotten(s)


def shipping() -> tuple[Any, Any, Callable[[], object]]:
    s = ShippingScenario()
    order_id = s.ready_to_dispatch()
    s.app.dispatch(order_id, "ops-1")
    s.advance(timedelta(hours=20))
    s.update(order_id, "delivered", signed_by="A. Ruiz")
    return s, shipping_translate, lambda: forgotten(s)


def tickets() -> tuple[Any, Any, Callable[[], object]]:
    s = TicketsScenario()
    ticket = s.open(s.received())
    s.app.reply(ticket.id, "staff-1", "Sorry Ana, we send a new ring to Calle Mayor 1")
    return s, tickets_translate, lambda: forgotten(s)


@pytest.mark.parametrize("make", [orders, payments, shipping, tickets])
def test_X4_the_relay_opens_no_sealed_field_and_publishes_the_same_bytes(make: Any) -> None:
    s, translate, forget = make()
    reader = relay_mapper(s.app, translate)
    sealed = [
        e
        for n in s.app.recorder.select_notifications(start=1, limit=100_000)
        if "_sealed" in vars(e := reader.to_domain_event(n))
    ]
    assert sealed  # the scenario stored sealed events
    before = publishes(s.app, s.app.mapper, translate)
    assert publishes(s.app, reader, translate) == before

    forget()

    assert publishes(s.app, reader, translate) == publishes(s.app, s.app.mapper, translate)
    assert publishes(s.app, reader, translate)[: len(before)] == before  # a republish is byte-identical


def test_X4_a_sealed_event_read_by_the_relay_has_no_personal_field_to_misread() -> None:
    s, translate, _ = orders()
    reader = relay_mapper(s.app, translate)
    placed = [
        e
        for n in s.app.recorder.select_notifications(start=1, limit=100_000)
        if type(e := reader.to_domain_event(n)).__name__ == "Placed"
    ]
    assert placed and all("_sealed" in vars(e) for e in placed)
    with pytest.raises(AttributeError):
        _ = placed[0].contact_email
