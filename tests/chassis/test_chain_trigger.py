"""The chain trigger on the real PostgreSQL store: it chains a statement's own rows (its transition table)
to the same hashes the link-by-link recomputation gives, through a rollback gap in the ids, after events
stored while it was off (it chains those too), and a store with the earlier trigger gets it in place of
that one on start, its chain continuing from the last row."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from services.orders.domain.catalogue import CatalogueEntry
from shared.runtime.chain import LogTables, digest, genesis, link, log_tables
from tests.infra import Harness

EARLIER = """
CREATE OR REPLACE FUNCTION {on_insert}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM {extend}();
    RETURN NULL;
END
$body$;
CREATE TRIGGER {trigger} AFTER INSERT ON {events} FOR EACH STATEMENT EXECUTE FUNCTION {on_insert}();
"""


def entry(sku: str) -> CatalogueEntry:
    return CatalogueEntry(sku=sku, name="Ring", unit_price_minor=450, currency="USD", moq=1, weight_grams=6)


def tables_of(runtime: Any) -> LogTables:
    tables = log_tables(runtime.app)
    assert tables is not None
    return tables


def assert_chain_recomputes(runtime: Any) -> list[int]:
    """Every stored event has a chain row, and each equals the Python recomputation from the genesis."""
    tables = tables_of(runtime)
    with psycopg.connect(runtime.settings.dsn) as conn:
        events = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {} ORDER BY 1"
            ).format(tables.events)
        ).fetchall()
        chain: dict[int, bytes] = dict(
            conn.execute(sql.SQL("SELECT notification_id, hash FROM {}").format(tables.chain)).fetchall()
        )
    assert sorted(chain) == [0] + [row[0] for row in events]
    previous = genesis("orders")
    assert bytes(chain[0]) == previous
    for notification_id, originator_id, version, topic, state in events:
        previous = link(previous, digest(notification_id, originator_id, version, topic, bytes(state)))
        assert bytes(chain[notification_id]) == previous, notification_id
    return [row[0] for row in events]


def triggers(runtime: Any) -> list[str]:
    tables = tables_of(runtime)
    with psycopg.connect(runtime.settings.dsn) as conn:
        rows = conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal ORDER BY 1",
            (f"{tables.schema}.{tables.events_name}",),
        ).fetchall()
    return [row[0] for row in rows]


def test_a_statements_rows_are_chained_in_order_through_a_rollback_gap(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    app = runtime.app
    app.save(entry("ONE"))
    app.save(*(entry(f"MANY-{k}") for k in range(12)))  # more than the recorder sends as scalars
    app.save(entry("TAKEN"))
    with pytest.raises(IntegrityError):  # draws ids for its rows, then rolls back: a gap in the ids
        app.save(entry(f"NEW-{uuid.uuid4().hex[:6]}"), entry("TAKEN"))
    app.save(entry("AFTER-GAP"), entry("AFTER-GAP-2"))
    ids = assert_chain_recomputes(runtime)
    assert ids != list(range(ids[0], ids[0] + len(ids)))  # the gap is there, and chained over


def test_events_stored_while_the_trigger_was_off_are_chained_by_the_next_statement(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    tables = tables_of(runtime)
    runtime.app.save(entry("BEFORE"))
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(tables.events, sql.Identifier(tables.trigger_name))
        )
        runtime.app.save(entry("UNCHAINED-1"), entry("UNCHAINED-2"))
        conn.execute(
            sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(tables.events, sql.Identifier(tables.trigger_name))
        )
    runtime.app.save(entry("NEXT"))
    assert len(assert_chain_recomputes(runtime)) == 4


def test_a_store_with_the_earlier_trigger_gets_this_one_and_its_chain_continues(harness: Harness) -> None:
    runtime = harness.runtime("orders")
    tables = tables_of(runtime)
    runtime.app.save(entry("NEW-TRIGGER"))
    with psycopg.connect(runtime.settings.dsn, autocommit=True) as conn:  # back to the earlier trigger
        conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(tables.trigger_name), tables.events))
        conn.execute(
            sql.SQL(EARLIER).format(
                on_insert=sql.Identifier(tables.schema, f"{tables.chain_name}_on_insert"),
                extend=sql.Identifier(tables.schema, f"{tables.chain_name}_extend"),
                trigger=sql.Identifier(f"{tables.chain_name}_trigger"),
                events=tables.events,
            )
        )
    assert triggers(runtime) == [f"{tables.chain_name}_trigger"]
    runtime.app.save(entry("EARLIER-1"), entry("EARLIER-2"))
    upgraded = harness.runtime("orders")  # starting the service again puts the new trigger in place
    assert triggers(upgraded) == [tables.trigger_name]
    upgraded.app.save(entry("UPGRADED"))
    assert len(assert_chain_recomputes(upgraded)) == 4
