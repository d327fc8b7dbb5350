"""X4 on real PostgreSQL: the key table a service keeps (here payments', in its own database). A
retired key still opens what it sealed but seals nothing more; destroying the retired keys only leaves
the fresh one; a table made before retirement existed is brought up to date when a service starts."""

from __future__ import annotations

import psycopg

from shared.runtime.privacy.keys import TABLE, PostgresKeys
from tests.infra import Harness

OLD_DDL = f"""
CREATE TABLE {TABLE} (key_id uuid PRIMARY KEY, customer_id text NOT NULL, key bytea,
    created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz, destroyed_by text);
CREATE UNIQUE INDEX {TABLE}_live ON {TABLE} (customer_id) WHERE key IS NOT NULL;
INSERT INTO {TABLE} (key_id, customer_id, key) VALUES (gen_random_uuid(), 'cust-old', '\\x00');
"""


def test_X4_a_retired_key_opens_but_seals_nothing_more_and_only_retired_keys_are_destroyed(harness: Harness) -> None:
    payments = harness.runtime("payments")
    dsn = payments.settings.dsn
    with psycopg.connect(dsn, autocommit=True) as conn:  # as an older release left it
        conn.execute(f"DROP TABLE {TABLE}")
        conn.execute(OLD_DDL)
    keys = PostgresKeys(payments.app.recorder.datastore)  # what a service does on starting

    assert keys.current("cust-old")[0]  # the old live key, now with retired_at NULL
    first, first_key = keys.current("cust-1")
    assert keys.current("cust-1") == (first, first_key)
    assert keys.retire("cust-1") == 1
    fresh, _ = keys.current("cust-1")
    assert fresh != first and keys.key(first) == first_key  # retired: still opens
    done = keys.destroy("cust-1", "ops-1", retired_only=True)
    assert (done.keys_destroyed, keys.key(first), keys.key(fresh) is not None) == (1, None, True)
    assert keys.retire("cust-1") == 1 and keys.destroy("cust-1", "ops-1").keys_destroyed == 1
    assert keys.destroy("cust-1", "ops-2").keys_destroyed == 0  # idempotent
    with psycopg.connect(dsn) as conn:
        indexes = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", (TABLE,))]
    assert sorted(indexes) == [f"{TABLE}_current", f"{TABLE}_pkey"]
