"""One process at a time runs a follower (e-mail), even across a PostgreSQL restart: the follower holds
its own advisory lock on the session that writes its position. Found by the fault suite: after
PostgreSQL restarted, the old leader (its relay had not yet noticed that its lock went with the server)
and the new one both sent the same two quote e-mails, 4 ms apart."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import psycopg

from services.orders.domain.catalogue import CatalogueEntry, Listing
from services.orders.domain.values import Money
from shared.runtime.follower import LogFollower, PostgresPositions
from tests.infra import Harness


def test_O6_S1_two_workers_never_run_one_follower_at_once_even_after_its_session_dies(harness: Harness) -> None:
    orders = harness.runtime("orders")
    dsn = orders.settings.dsn
    name = f"lock-test-{uuid.uuid4().hex[:8]}"
    sent: dict[str, list[int]] = {"a": [], "b": []}
    b_while_a_sends: list[int] = []

    a_positions = PostgresPositions(dsn, "test:a")
    b_positions = PostgresPositions(dsn, "test:b")

    def a_mailer(event: Any, notification_id: int) -> None:
        if not sent["a"]:  # while a is sending its first e-mail, b (both think they lead) tries too
            b_while_a_sends.append(b.step())
        sent["a"].append(notification_id)

    a = LogFollower(orders.app, "orders", name, a_mailer, a_positions)
    b = LogFollower(orders.app, "orders", name, lambda e, n: sent["b"].append(n), b_positions)
    try:
        orders.app.save(CatalogueEntry.from_listing(Listing("LOCK-1", "LOCK-1", Money(100, "USD"), 1, 1)))
        assert a.step() >= 1
        assert (b_while_a_sends, sent["b"]) == ([0], [])  # b stood by while a sent

        with psycopg.connect(dsn, autocommit=True) as conn:  # a's session dies (as in a restart)
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test:a'")
        orders.app.save(CatalogueEntry.from_listing(Listing("LOCK-2", "LOCK-2", Money(100, "USD"), 1, 1)))
        assert b.step() >= 1  # b takes over at once
        with contextlib.suppress(psycopg.Error):
            a.step()  # a finds its session gone ...
        assert a.step() == 0  # ... and, reconnected, may not run it: b holds it
        assert set(sent["a"]).isdisjoint(sent["b"])  # nothing sent twice
    finally:
        a_positions.close()
        b_positions.close()
