"""Schema v4 and v5 on an existing cache (``tests/data/cache-v3.db.gz``: 60 demo borrowers
synced by the workbench of schema v3, compression dictionaries included).

v4: loans carry their oldest unpaid due date, kept on apply and backfilled by the migration.
v5: every row re-encoded with COMPACT dictionaries, then the file vacuumed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from workbench.domain import loans as loan_math
from workbench.store import records, schema
from workbench.store.apply import apply_page
from workbench.store.codec import COMPACT, TRAIN_AT, Codec, codec_of
from workbench.store.db import connect
from workbench.store.queries import borrower_view, lookup

AS_OF = date(2026, 11, 27)


def every_record(conn) -> dict[tuple[str, str], dict]:
    codec = Codec()
    codec.refresh(conn)
    return {
        (entity, row[0]): codec.unpack(conn, entity, row)
        for entity in schema.ENTITY_TABLES
        for row in conn.execute(f"SELECT {schema.row_columns(entity)} FROM {entity}")
    }


def stored_dues(conn) -> dict[str, str | None]:
    return dict(conn.execute("SELECT id, first_unpaid_due FROM loan"))


def recomputed_dues(conn) -> dict[str, str | None]:
    codec = codec_of(conn)
    rows = conn.execute(f"SELECT {schema.row_columns('loan')} FROM loan")
    return {row[0]: records.first_unpaid_due(codec.unpack(conn, "loan", row)) for row in rows}


def test_v3_cache_is_upgraded_in_place_with_backfilled_dues(v3_cache: Path):
    import sqlcipher3.dbapi2 as sqlite

    raw = sqlite.connect(str(v3_cache))
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
    loans_before = raw.execute("SELECT count(*) FROM loan").fetchone()[0]
    raw.close()

    conn = connect(v3_cache)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS) >= 4
    dues = stored_dues(conn)
    assert len(dues) == loans_before > 0
    assert dues == recomputed_dues(conn)
    assert any(dues.values()) and not all(dues.values())  # some loans are paid up or settled
    index = [row[2] for row in conn.execute("PRAGMA index_info(loan_by_borrower)")]
    assert index == ["borrower_id", "first_unpaid_due"]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    wal = v3_cache.with_name(v3_cache.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the upgrade's WAL was given back
    conn.close()


def test_lookup_buckets_after_the_upgrade_match_the_views(v3_cache: Path):
    conn = connect(v3_cache)
    ids = [row[0] for row in conn.execute("SELECT id FROM borrower ORDER BY id")]
    for bid in ids:
        name = conn.execute("SELECT key FROM search_key WHERE borrower_id = ? AND kind = 'n'",
                            (bid,)).fetchone()[0]  # fmt: skip
        hits = {h.borrower_id: h for h in lookup(conn, name, as_of=AS_OF)}
        assert hits[bid].worst_bucket == borrower_view(conn, bid, AS_OF).worst_bucket
    assert {borrower_view(conn, b, AS_OF).worst_bucket for b in ids} != {"M0"}
    conn.close()


def test_apply_keeps_the_due_date_in_step(cache_path: Path, feed):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1"), feed.loan("L1", paid=3)], "c1")
    assert stored_dues(conn) == {"L1": "2025-05-15"}
    [hit] = lookup(conn, "张伟", as_of=AS_OF)
    dpd = (AS_OF - date(2025, 5, 15)).days
    assert (
        hit.worst_bucket == loan_math.bucket(dpd) == borrower_view(conn, "B1", AS_OF).worst_bucket
    )
    apply_page(conn, [feed.loan("L1", paid=36)], "c2")
    assert stored_dues(conn) == {"L1": None}
    assert lookup(conn, "张伟", as_of=AS_OF)[0].worst_bucket == "M0"
    apply_page(conn, [feed.loan("L2", paid=30), feed.loan("L1", paid=3, status="settled")], "c3")
    assert stored_dues(conn) == {"L1": None, "L2": "2027-08-15"}
    assert lookup(conn, "张伟", as_of=AS_OF)[0].worst_bucket == "M0"  # due in the future
    conn.close()


def test_repacking_when_a_dictionary_is_trained_keeps_the_due_dates(cache_path: Path, feed):
    conn = connect(cache_path)
    changes = [feed.loan(f"L{n:04d}", f"B{n:04d}", paid=n % 40) for n in range(TRAIN_AT + 5)]
    apply_page(conn, changes, "c1")
    assert codec_of(conn).has_dictionary("loan")
    assert (
        conn.execute("SELECT count(*) FROM loan WHERE substr(data, 1, 1) = x'00'").fetchone()[0]
        == 0
    )
    assert stored_dues(conn) == recomputed_dues(conn)
    assert sum(due is None for due in stored_dues(conn).values()) > 0
    conn.close()


def test_v5_reencodes_every_row_compactly_and_reads_back_the_same_records(v3_cache: Path):
    import sqlcipher3.dbapi2 as sqlite

    raw = sqlite.connect(str(v3_cache))
    before = every_record(raw)
    data_bytes = "SELECT sum(length(data)) FROM payment"
    bytes_before = raw.execute(data_bytes).fetchone()[0]
    raw.close()

    conn = connect(v3_cache)
    assert every_record(conn) == before
    formats = dict(conn.execute("SELECT id, format FROM codec_dict"))
    for entity in ("payment", "interaction"):
        headers = {r[0] for r in conn.execute(f"SELECT DISTINCT substr(data, 1, 1) FROM {entity}")}
        assert [formats[h[0]] for h in headers] == [COMPACT]
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental from now on
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute(data_bytes).fetchone()[0] < bytes_before * 0.95
    conn.close()


def test_compact_rows_keep_schedules_of_any_shape(cache_path: Path, feed):
    conn = connect(cache_path)
    changes = [feed.loan(f"L{n:04d}", f"B{n:04d}", paid=n % 40) for n in range(TRAIN_AT)]
    odd = feed.loan("L-odd", "B-odd", paid=2)
    del odd["data"]["schedule"][5]["paid_date"]  # one installment of another shape
    empty = feed.loan("L-empty", "B-odd", schedule=[])
    apply_page(conn, [*changes, odd, empty], "c1")
    codec = codec_of(conn)
    assert codec.has_dictionary("loan")
    rows = conn.execute(f"SELECT {schema.row_columns('loan')} FROM loan WHERE id LIKE 'L-%'")
    got = {row[0]: codec.unpack(conn, "loan", row) for row in rows}
    assert got["L-odd"] == odd["data"]
    assert got["L-empty"] == empty["data"]
    sample = conn.execute(f"SELECT {schema.row_columns('loan')} FROM loan WHERE id = 'L0007'")
    assert codec.unpack(conn, "loan", sample.fetchone()) == changes[7]["data"]
    conn.close()


@pytest.mark.parametrize("dpd", [-1, 0, 1, 30, 31, 60, 61, 90, 91, 400])
def test_the_worst_bucket_of_a_hit_is_the_bucket_of_its_days_past_due(cache_path: Path, feed, dpd):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1"), feed.loan("L1", paid=3)], "c1")
    as_of = date(2025, 5, 15) + timedelta(days=dpd)  # the loan's first unpaid due + dpd days
    [hit] = lookup(conn, "张伟", as_of=as_of)
    assert hit.worst_bucket == loan_math.bucket(dpd)
    assert hit.worst_bucket == borrower_view(conn, "B1", as_of).worst_bucket
    conn.close()
