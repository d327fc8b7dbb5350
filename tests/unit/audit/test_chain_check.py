"""Check (1) on a log given row by row: the chain recomputed link by link from the stored predecessor."""

from __future__ import annotations

import uuid
from dataclasses import replace

from shared.runtime.audit.chaincheck import check_chain
from shared.runtime.audit.log import LogRow
from shared.runtime.chain import digest, genesis, link

ORDER = uuid.UUID("11111111-2222-3333-4444-555555555555")
TOPIC = "services.orders.domain.order:Order.Placed"


def chained(n: int, service: str = "orders") -> list[LogRow]:
    """A log of n events with the hashes the store's trigger would have written (ids with a rollback gap)."""
    rows = [LogRow(0, None, None, None, None, genesis(service))]
    previous = genesis(service)
    ids = [i if i < 4 else i + 1 for i in range(1, n + 1)]  # notification id 4 was never committed
    for version, nid in enumerate(ids, start=1):
        state = b'{"n": %d}' % nid
        previous = link(previous, digest(nid, ORDER, version, TOPIC, state))
        rows.append(LogRow(nid, ORDER, version, TOPIC, state, previous))
    return rows


def test_a_log_as_the_trigger_chained_it_verifies_clean() -> None:
    checked, findings = check_chain("orders", chained(6))
    assert (checked, findings) == (6, [])


def test_one_altered_event_is_one_finding_naming_service_aggregate_version_and_notification() -> None:
    rows = chained(6)
    rows[3] = replace(rows[3], state=b'{"n": 999}')  # notification 3, version 3
    checked, findings = check_chain("orders", rows)
    assert checked == 6
    [finding] = findings
    assert (finding.check, finding.kind, finding.service) == ("chain", "altered", "orders")
    assert (finding.aggregate_id, finding.version, finding.notification_id) == (str(ORDER), 3, 3)
    assert finding.message == (
        f"orders: {TOPIC} of aggregate {ORDER} version 3 (notification 3) does not match its chain hash: "
        "its stored bytes were altered"
    )


def test_a_deleted_event_is_named_by_its_notification_id() -> None:
    rows = chained(5)
    gone = rows[2]
    rows[2] = LogRow(gone.notification_id, None, None, None, None, gone.hash)  # the chain row stays
    _, findings = check_chain("orders", rows)
    assert [(f.kind, f.notification_id) for f in findings] == [("deleted", 2)]


def test_an_event_deleted_with_its_chain_row_breaks_the_next_link() -> None:
    rows = chained(5)
    del rows[2]  # notification 2 and its hash
    _, findings = check_chain("orders", rows)
    assert [(f.kind, f.notification_id) for f in findings] == [("altered", 3)]
    assert findings[0].message.endswith("or one of the 1 notification id(s) before it was deleted")


def test_an_event_stored_past_the_chain_and_a_foreign_genesis_are_findings() -> None:
    rows = chained(3)
    rows.append(LogRow(9, ORDER, 4, TOPIC, b"{}", None))
    _, findings = check_chain("orders", rows)
    assert [(f.kind, f.notification_id) for f in findings] == [("unchained", 9)]
    _, findings = check_chain("payments", chained(3, "orders"))
    assert [f.kind for f in findings] == ["genesis"]
