"""The fast paths of the audit reads on the real PostgreSQL store: the chain proven by PostgreSQL agrees
with the link-by-link check in Python (a clean log proven whole; an altered event, a deleted event and a
deleted link each a doubt that sends verification to the check that names findings), and the export's
NDJSON chunks joined by PostgreSQL are the archived envelopes in order, page after page."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from shared.runtime import archive
from shared.runtime.audit.chaincheck import check_chain
from shared.runtime.audit.chainsql import ChainProof
from shared.runtime.audit.export import ndjson_chunks
from shared.runtime.audit.log import highest, log_rows
from shared.runtime.chain import log_tables
from tests.chassis.test_audit_verify import first_of, orders_with, publish
from tests.infra import Harness


def proven(orders: Any, dsn: str) -> tuple[ChainProof, int, int]:
    """(the proof, events the Python check counted, its findings) over the whole log."""
    tables = log_tables(orders.app)
    assert tables is not None
    proof = ChainProof("orders")
    with psycopg.connect(dsn) as conn:
        last = highest(conn, tables)
        proof.extend(conn, tables, last // 2)  # in two parts, as verification reads it
        proof.extend(conn, tables, last)
        checked, findings = check_chain("orders", log_rows(conn, tables))
    return proof, checked, len(findings)


def test_the_chain_proven_by_postgresql_agrees_with_the_link_by_link_check(harness: Harness) -> None:
    orders = orders_with(harness, 4)
    dsn = orders.settings.dsn
    proof, checked, findings = proven(orders, dsn)
    assert (proof.doubt, proof.checked, findings) == (False, checked, 0)
    assert proof.checked == orders.app.max_notification_id()
    tables = log_tables(orders.app)
    assert tables is not None
    nid, _, _ = first_of(orders, "Order.Placed")
    changes = [
        ("UPDATE {} SET state = overlay(state placing 'X' from 30 for 1) WHERE notification_id = %s", tables.events),
        ("DELETE FROM {} WHERE notification_id = %s", tables.events),
        ("DELETE FROM {} WHERE notification_id = %s", tables.chain),
    ]
    for i, (statement, table) in enumerate(changes):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(table), (nid + i,))
        proof, _, findings = proven(orders, dsn)
        assert proof.doubt and findings >= 1, statement


def test_the_export_chunks_are_the_archived_envelopes_in_order_page_after_page(harness: Harness) -> None:
    orders = orders_with(harness, 5)
    publish(orders)
    with psycopg.connect(orders.settings.dsn) as conn:
        kept = list(archive.stream(conn, 2, None))
        chunks = list(ndjson_chunks(conn, 2, None, page=2))
        bounded = b"".join(ndjson_chunks(conn, 1, kept[1].notification_id, page=2))
        nothing = list(ndjson_chunks(conn, 10**9, None))
    assert len(kept) == 5 and len(chunks) == 3  # 2 + 2 + 1 lines
    assert b"".join(chunks) == b"".join(a.envelope + b"\n" for a in kept)
    assert bounded.splitlines()[-1] == kept[1].envelope
    assert nothing == []
