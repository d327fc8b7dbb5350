"""The fast paths of the audit reads on the real PostgreSQL store: the chain proven by PostgreSQL agrees
with the link-by-link check in Python (a clean log proven whole; an altered event, a deleted event and a
deleted link each a doubt that sends verification to the check that names findings), the export's
NDJSON chunks joined by PostgreSQL are the archived envelopes in order, page after page, and the archive's
kept digests (given to an older archive on upgrade) still show an archived envelope altered in any way."""

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
from tests.chassis.test_audit_verify import check, first_of, orders_with, publish
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


def altered_archive(report: Any) -> list[int]:
    return [int(f.notification_id) for f in report.findings if (f.check, f.kind) == ("topic", "archive_differs")]


def test_the_archive_keeps_each_envelopes_digest_from_an_upgrade_on_and_an_altered_envelope_still_shows(
    harness: Harness,
) -> None:
    orders = orders_with(harness, 3)
    publish(orders)
    dsn = orders.settings.dsn
    with psycopg.connect(dsn, autocommit=True) as conn:  # back to an archive without the digest column
        conn.execute(f"ALTER TABLE {archive.TABLE} DROP COLUMN digest")
    upgraded = harness.runtime("orders")  # starting the service again gives the archive its digests
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert archive.digest_kept(conn)
        rows = conn.execute(
            f"SELECT count(*), count(*) FILTER (WHERE digest IS NOT DISTINCT FROM sha256(envelope)), "
            f"count(envelope) FROM {archive.TABLE}"
        ).fetchone()
        assert rows is not None and rows[0] == rows[1] == upgraded.app.max_notification_id() and rows[2] >= 3
        published = [
            int(n)
            for (n,) in conn.execute(
                f"SELECT notification_id FROM {archive.TABLE} WHERE envelope IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
    report = check(upgraded)
    assert report.ok, report.as_dict()

    alter = (
        f"UPDATE {archive.TABLE} SET envelope = overlay(envelope placing 'X' from 20 for 1) WHERE notification_id = %s"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:  # an update: PostgreSQL computes the digest again
        conn.execute(alter, (published[0],))
    assert altered_archive(check(upgraded)) == [published[0]]
    with psycopg.connect(dsn, autocommit=True) as conn:  # the column no longer generated, then an update
        conn.execute(f"ALTER TABLE {archive.TABLE} ALTER COLUMN digest DROP EXPRESSION")
        assert not archive.digest_kept(conn)
        conn.execute(alter, (published[1],))
    report = check(upgraded)
    assert sorted(altered_archive(report)) == published[:2]  # verification hashes the envelopes itself
    assert "hallmark_published.digest is no longer generated from the envelope: digests recomputed" in report.notes
