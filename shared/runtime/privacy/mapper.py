"""The store's mapper, sealing the personal fields of the events (and snapshots) a service declares.

A service names, per domain event class (and per aggregate, for its snapshots), which fields are
personal and how they read in the published contract's form (`Personal`). Storing such an event
replaces those fields by one sealed token (`_sealed`, under the customer's current key) plus what is
to stay readable (`_clear`, e.g. the shipping country a quote needs); the hash chain covers those
bytes. Reading it back opens the token with the key table: the fields return as they were, or as
`ERASED` once the key is destroyed. `_sealed` stays on the domain event, so the outbound translator
publishes the very same ciphertext (a republish is byte-identical, and nothing needs a key to publish).
Events stored before sealing have no token and read as they were stored."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import BaseAggregate, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from shared.runtime.privacy.keys import KeyTable
from shared.runtime.privacy.sealing import ERASED, Erased, is_sealed, open_sealed, seal

Values = dict[str, Any]


def _nothing(_: Values) -> Values:
    return {}


@dataclass(frozen=True)
class Personal:
    """The personal `fields` of one kind of event or aggregate state, whose customer is `state[customer]`.
    `encode`: field values -> the plaintext sealed (JSON-able, the contract's form); `decode`: back.
    `clear`: what of them stays readable after erasure (not identifying, needed by the shop's rules)."""

    fields: tuple[str, ...]
    encode: Callable[[Values], Values]
    decode: Callable[[Values], Values]
    clear: Callable[[Values], Values] = field(default=_nothing)
    customer: str = "customer_id"
    """The state's field naming the customer, else the same name in the context the application stored
    with the event (`HallmarkApplication.event_context`), for events that do not repeat it."""


class SealingMapper(Mapper[Any]):
    """eventsourcing's mapper plus sealing; `events` and `aggregates` (for snapshots) are keyed by class."""

    events: Mapping[type, Personal] = {}
    aggregates: Mapping[str, Personal] = {}
    keys: KeyTable | None = None
    opens: bool = True
    """False for `without_opening`'s reader: sealed events read as stored, no key is looked up."""

    def configure(self, personal: Mapping[type, Personal], keys: KeyTable) -> None:
        self.events = {cls: spec for cls, spec in personal.items() if not _is_aggregate(cls)}
        self.aggregates = {get_topic(cls): spec for cls, spec in personal.items() if _is_aggregate(cls)}
        self.keys = keys

    def without_opening(self) -> SealingMapper:
        """This mapper, reading events as they are stored: a sealed event keeps its token (`_sealed`) and
        what stayed clear (`_clear`), and has none of its personal fields (reading one raises
        AttributeError, never a wrong value). Writes seal as before. For the outbox relay, which publishes
        the token as it is: it looks up no key (one query per sealed event otherwise). Not for snapshots
        or aggregates: they need the opened fields."""
        reader = copy.copy(self)
        reader.opens = False
        return reader

    def _spec(self, event_type: type, state: Values) -> tuple[Personal | None, bool]:
        if issubclass(event_type, Snapshot):
            return self.aggregates.get(state.get("topic", "")), True
        return self.events.get(event_type), False

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = vars(domain_event)
        spec, snapshot = self._spec(type(domain_event), state)
        if spec is None or self.keys is None:
            return super().to_stored_event(domain_event)
        state = {**state, "state": self.seal_state(spec, state["state"])} if snapshot else self.seal_state(spec, state)
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        if not self.opens:
            return domain_event
        state = vars(domain_event)
        spec, snapshot = self._spec(type(domain_event), state)
        if spec is not None:
            if snapshot:  # the aggregate takes the snapshot's state as its attributes: no token there
                inner = dict(state["state"])
                self.open_state(spec, inner)
                inner.pop("_sealed", None)
                inner.pop("_clear", None)
                state["state"] = inner
            else:
                self.open_state(spec, state)
        return domain_event

    def seal_state(self, spec: Personal, state: Values) -> Values:
        """`state` with its personal fields replaced by a sealed token (unchanged if none is set)."""
        values = {name: state.get(name) for name in spec.fields}
        customer = _customer_of(spec, state)
        if "_sealed" in state or customer is None or all(v is None or v == ERASED for v in values.values()):
            return state
        assert self.keys is not None
        key_id, key = self.keys.current(customer)
        token = seal(key, key_id, json.dumps(spec.encode(values), sort_keys=True).encode())
        kept = {name: value for name, value in state.items() if name not in spec.fields}
        return {**kept, "_sealed": dict(token), "_clear": spec.clear(values)}

    def open_state(self, spec: Personal, state: Values) -> None:
        """Put the personal fields back into `state` from its token, or ERASED if the key is gone."""
        token = state.get("_sealed")
        if token is None or not is_sealed(token):
            return
        assert self.keys is not None
        try:
            key = self.keys.key(token["key_id"]) if token["alg"] != "none" else None
            state.update(spec.decode(json.loads(open_sealed(key, token))))
        except Erased:
            state.update(dict.fromkeys(spec.fields, ERASED))


def _customer_of(spec: Personal, state: Values) -> str | None:
    customer = state.get(spec.customer)
    if customer is None:
        context = (state.get("_meta") or {}).get("context") or {}
        customer = context.get(spec.customer)
    return None if customer is None else str(customer)


def _is_aggregate(cls: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, BaseAggregate)
