"""X4 in the services that consume orders' events: on `CustomerForgotten` a service destroys its own
keys of the customer, so what it sealed (card last four, who signed for a parcel, ticket texts) reads
`[erased]` in its store and replays from then on. Orders alone decides whether a customer may be
forgotten (none of their orders open); the event is durable, so a service that was down forgets when
it catches up, and handling it again destroys nothing more."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from shared.events import Envelope
from shared.events.orders import CustomerForgotten
from shared.runtime.privacy.keys import Forgotten, KeyTable

log = logging.getLogger("hallmark.privacy")


class Sealing(Protocol):
    """An application that seals personal data (it declares `personal_data`, so it has a key table)."""

    @property
    def keys(self) -> KeyTable | None: ...


def forget_here(app: Sealing, customer_id: str, by: str) -> Forgotten | None:
    """Destroy every key this service holds for the customer (None: it seals nothing)."""
    if app.keys is None:
        return None
    done = app.keys.destroy(customer_id, by)
    log.info("customer forgotten", extra={"customer_id": customer_id, "keys_destroyed": done.keys_destroyed})
    return done


def on_customer_forgotten(app: Sealing, envelope: Envelope, pe: Any) -> None:
    """The policy for `CustomerForgotten` (orders.events)."""
    fact = CustomerForgotten.model_validate(envelope.payload)
    forget_here(app, fact.customer_id, fact.forgotten_by)
