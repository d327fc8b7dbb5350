"""How inventory's value objects are stored: events and snapshots written before the lines and holds
were value objects (plain dicts) still load; auditors and ops read them as JSON over HTTP; a write
that keeps losing races is refused with the reason and records nothing (I2)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from services.inventory.adapters.outbound import translate
from services.inventory.api import create_app
from services.inventory.domain.errors import StockBusy
from services.inventory.domain.reservation import Reservation, reservation_id
from services.inventory.domain.sku import Sku, sku_id
from services.inventory.domain.values import Hold, ReleasedLine, ReservedLine, Shortfall
from shared.runtime.identity import mint
from tests.unit.inventory.scenario import RING, T0, Scenario


def store_v1(s: Scenario, event_class: type[Any], version: int, **state: Any) -> None:
    """Record an event as the code before value objects stored it (lines as dicts, no class_version)."""
    order_id = state["order_id"]
    encoded = s.app.mapper.transcoder.encode({"timestamp": T0, **state})
    stored = StoredEvent(reservation_id(order_id), version, get_topic(event_class), encoded)
    s.app.recorder.insert_events([stored])


def test_I2_reservation_events_stored_with_dict_lines_load_as_value_objects() -> None:
    s = Scenario()
    topic = get_topic(Reservation)
    line = {"sku": RING, "asked": 6, "reserved": 4, "short": 2}
    store_v1(s, Reservation.Made, 1, originator_topic=topic, order_id="o-1", lines=[line], customer_id="c-1")
    short = {"sku": RING, "asked": 4, "reserved": 3, "short": 1}
    store_v1(s, Reservation.ShortfallRecorded, 2, order_id="o-1", lines=[short], reason="count", at=T0)
    released = {"sku": RING, "quantity": 3}
    store_v1(s, Reservation.Released, 3, order_id="o-1", lines=[released], reason="cancel", at=T0, restocked=False)

    reservation = s.app.reservation("o-1")
    assert reservation.lines == (ReservedLine(RING, 6, 4, 2),)
    assert reservation.shortfalls == [Shortfall((ReservedLine(RING, 4, 3, 1),), "count", T0)]
    assert (reservation.status, reservation.version) == ("released", 3)
    events = s.app.domain_events(reservation.id)
    assert events[2].lines == [ReleasedLine(RING, 3)]
    # The relay publishes them as before.
    published = [translate(e) for e in events]
    assert [p[1].model_dump(mode="json")["lines"] for p in published if p] == [[line], [short], [released]]


def test_I2_a_sku_snapshot_stored_with_dict_holds_loads_with_hold_values() -> None:
    s = Scenario(ring=20)
    view = s.app.place_hold("cust-1", RING, 5)
    assert s.app.snapshots is not None
    snapshot: Any = Snapshot.take(s.sku())
    state = {k: v for k, v in snapshot.state.items() if k != "class_version"}
    state["holds"] = {hold_id: asdict(hold) for hold_id, hold in state["holds"].items()}
    old = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state=state,
    )
    s.app.snapshots.put([old])
    s.app.place_hold("cust-2", RING, 2)  # one event after the snapshot

    loaded: Sku = s.app.repository.get(sku_id(RING))
    assert loaded.holds[view.hold_id] == Hold("cust-1", 5, T0 + timedelta(minutes=30))
    assert (loaded.held, loaded.available, loaded.version) == (7, 13, 3)


def test_I3_picking_and_history_show_the_shortfall_lines_as_json() -> None:
    s = Scenario(ring=20)
    order = s.place((RING, 8))
    s.app.adjust_stock(RING, "damaged batch", "ops-1", counted=5)
    platform = s.runtime.settings.platform
    ops = {"authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, 'ops', 'ops-1')}"}
    auditor = {"authorization": f"Bearer {mint(platform.jwt_secret, platform.jwt_issuer, 'auditor', 'a-1')}"}
    with TestClient(create_app(s.runtime)) as client:
        picking = client.get(f"/picking/{order}", headers=ops).json()
        history = client.get(f"/admin/history/{reservation_id(order)}", headers=auditor).json()
    line = {"sku": RING, "asked": 8, "reserved": 5, "short": 3}
    assert picking["lines"] == [{"sku": RING, "asked": 8, "reserved": 8, "short": 0}]
    assert picking["shortfalls"] == [{"lines": [line], "reason": "damaged batch", "at": "2026-03-02T09:00:00Z"}]
    assert [e["data"]["lines"] for e in history] == [[{"sku": RING, "asked": 8, "reserved": 8, "short": 0}], [line]]


def test_I2_a_write_that_loses_every_race_is_refused_and_records_nothing() -> None:
    s = Scenario(ring=20, conflict_retries=3)
    before = s.app.max_notification_id()

    def attempt() -> tuple[None, list[Sku]]:
        sku = s.app.get_sku(RING)
        rival = s.app.get_sku(RING)  # another writer saves first, every time
        rival.receive(1, "DN-r", "ops-r")
        s.app.save(rival)
        sku.receive(1, "DN-1", "ops-1")
        return None, [sku]

    with pytest.raises(StockBusy) as info:
        s.app.write([RING], attempt)
    assert str(info.value) == f"{RING}: changed by others 3 times in a row; nothing was recorded, try again"
    assert (info.value.field, info.value.rule) == ("sku", "I2")
    assert s.app.max_notification_id() == before + 3  # only the rival's receipts
    assert s.sku().on_hand == 23
