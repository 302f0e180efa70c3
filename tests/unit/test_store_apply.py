"""Pages of the change feed land in the cache with their cursor, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store.apply import apply_page, get_cursor
from workbench.store.db import connect
from workbench.store.queries import cache_stats, lookup
from workbench.store.records import RecordError
from workbench.store.times import from_column


@pytest.fixture
def conn(cache_path: Path):
    conn = connect(cache_path)
    yield conn
    conn.close()


def keys_of(conn, borrower_id: str) -> set[tuple[str, str]]:
    rows = conn.execute("SELECT key, kind FROM search_key WHERE borrower_id = ?", (borrower_id,))
    return set(rows.fetchall())


def test_page_and_cursor_are_stored_together(conn, feed):
    page = [feed.borrower("B1"), feed.vehicle("V1"), feed.loan("L1"), feed.interaction("I1")]
    assert apply_page(conn, page, "c4") == 4
    assert get_cursor(conn) == "c4"
    counts = cache_stats(conn)["entities"]
    assert counts["borrower"] == counts["vehicle"] == counts["loan"] == counts["interaction"] == 1
    assert cache_stats(conn)["cursor"] == "c4"


def test_bad_record_aborts_the_whole_page_and_keeps_the_old_cursor(conn, feed):
    apply_page(conn, [feed.borrower("B1")], "c1")
    broken = feed.borrower("B2")
    del broken["data"]["phones"]
    with pytest.raises(RecordError, match=r"B2.*phones"):
        apply_page(conn, [feed.borrower("B3"), broken], "c3")
    assert get_cursor(conn) == "c1"
    assert cache_stats(conn)["entities"]["borrower"] == 1


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda c: c.update(entity="spaceship"), "unknown entity"),
        (lambda c: c.update(op="merge"), "unknown op"),
        (lambda c: c.update(data=["not", "an", "object"]), "not an object"),
        (lambda c: c["data"].update(id="B999"), "differs"),
        (lambda c: c.update(id=None), "no id"),
    ],
)
def test_each_kind_of_bad_record_is_named(conn, feed, mutate, reason):
    change = feed.borrower("B1")
    mutate(change)
    with pytest.raises(RecordError, match=reason):
        apply_page(conn, [change], "c1")


def test_bad_record_hook_takes_the_record_and_the_page_goes_on(conn, feed):
    seen = []
    broken = feed.borrower("B2")
    del broken["data"]["name"]
    page = [feed.borrower("B1"), broken, feed.borrower("B3")]
    applied = apply_page(conn, page, "c3", on_bad_record=lambda c, ch, err: seen.append(err))
    assert applied == 2
    assert [e.record_id for e in seen] == ["B2"]
    assert get_cursor(conn) == "c3"


def test_upsert_replaces_and_old_search_keys_go(conn, feed):
    apply_page(conn, [feed.borrower("B1")], "c1")
    assert ("13812345678", "p") in keys_of(conn, "B1")
    assert ("zw", "pi") in keys_of(conn, "B1")
    renamed = feed.borrower("B1", name="李娜", phones=[{"number": "13900001111", "kind": "mobile"}])
    apply_page(conn, [renamed], "c2")
    keys = keys_of(conn, "B1")
    assert ("13812345678", "p") not in keys and ("5678", "p4") not in keys
    assert ("zw", "pi") not in keys and ("张伟", "n") not in keys
    assert {("13900001111", "p"), ("1111", "p4"), ("李娜", "n"), ("ln", "pi")} <= keys
    assert lookup(conn, "张伟") == []
    assert [h.name for h in lookup(conn, "李娜")] == ["李娜"]


def test_same_record_twice_in_one_page_ends_as_the_last_version(conn, feed):
    page = [feed.borrower("B1"), feed.borrower("B1", name="王芳")]
    apply_page(conn, page, "c2")
    assert [h.borrower_id for h in lookup(conn, "王芳")] == ["B1"]
    assert lookup(conn, "张伟") == []


def test_delete_removes_record_and_its_keys(conn, feed):
    apply_page(conn, [feed.borrower("B1"), feed.vehicle("V1"), feed.loan("L1")], "c3")
    assert lookup(conn, "京A12345")
    apply_page(conn, [feed.delete("vehicle", "V1"), feed.delete("loan", "L1")], "c5")
    assert lookup(conn, "京A12345") == []
    assert lookup(conn, "HT2025-000001") == []
    assert keys_of(conn, "B1")  # the borrower's own keys stay
    apply_page(conn, [feed.delete("borrower", "B1")], "c6")
    assert keys_of(conn, "B1") == set()
    assert cache_stats(conn)["entities"]["borrower"] == 0


def test_deleting_an_unknown_record_is_harmless(conn, feed):
    assert apply_page(conn, [feed.delete("interaction", "nope")], "c1") == 1
    assert get_cursor(conn) == "c1"


def test_vehicle_moving_to_another_borrower_moves_its_plate(conn, feed):
    apply_page(conn, [feed.borrower("B1"), feed.borrower("B2", name="赵敏")], "c2")
    apply_page(conn, [feed.vehicle("V1", "B1")], "c3")
    apply_page(conn, [feed.vehicle("V1", "B2")], "c4")
    assert [h.borrower_id for h in lookup(conn, "京A·12345")] == ["B2"]


def test_rebuild_search_keys_gives_the_same_keys(conn, feed):
    from workbench.store.apply import rebuild_search_keys

    apply_page(conn, [feed.borrower("B1"), feed.vehicle("V1"), feed.loan("L1")], "c3")
    before = set(conn.execute("SELECT * FROM search_key").fetchall())
    assert rebuild_search_keys(conn) == len(before)
    assert set(conn.execute("SELECT * FROM search_key").fetchall()) == before


def test_an_update_of_other_fields_keeps_the_keys_and_a_key_field_change_moves_them(conn, feed):
    from workbench.store import search

    apply_page(conn, [feed.borrower("B1"), feed.vehicle("V1"), feed.loan("L1")], "c1")
    before = keys_of(conn, "B1")
    moved = feed.borrower("B1", employer="另一家公司")
    assert search.same_keys("borrower", feed.borrower("B1")["data"], moved["data"])
    apply_page(conn, [moved, feed.loan("L1"), feed.vehicle("V1")], "c2")
    assert keys_of(conn, "B1") == before
    new_id = feed.borrower("B1", id_no="110101199001011239")
    assert not search.same_keys("borrower", moved["data"], new_id["data"])
    apply_page(conn, [new_id], "c3")
    assert ("011239", "i6") in keys_of(conn, "B1")
    assert ("07123X", "i6") not in keys_of(conn, "B1")


def test_key_fields_cover_everything_the_key_functions_read(feed):
    """Changing any field outside ``KEY_FIELDS`` leaves the derived keys unchanged."""
    from workbench.store import keys, search

    samples = {
        "borrower": feed.borrower("B1"),
        "loan": feed.loan("L1"),
        "vehicle": feed.vehicle("V1"),
    }
    for entity, change in samples.items():
        data, rid = change["data"], change["id"]
        base = keys.owned_keys(entity, rid, data, search.KEYS_OF[entity])
        for field in set(data) - set(search.KEY_FIELDS[entity]) - {"id"}:
            changed = data | {field: "变" if isinstance(data[field], str) else None}
            assert keys.owned_keys(entity, rid, changed, search.KEYS_OF[entity]) == base, field


def test_an_update_moves_indexed_columns_only_where_they_changed(conn, feed):
    page = [feed.interaction("I1"), feed.interaction("I2"), feed.loan("L1")]
    apply_page(conn, page, "c1")
    assert conn.execute("SELECT first_unpaid_due FROM loan").fetchone()[0] is not None
    later = feed.interaction("I1", "B2", started_at="2026-11-20T02:00:00Z")
    new = feed.interaction("I3", "B3")  # a new row among updated ones
    apply_page(conn, [later, new, feed.interaction("I2"), feed.loan("L1", paid=40)], "c2")
    rows = conn.execute("SELECT id, borrower_id, started_at FROM interaction ORDER BY id")
    assert [(i, b, from_column(s)) for i, b, s in rows] == [
        ("I1", "B2", "2026-11-20T02:00:00Z"),
        ("I2", "B1", "2026-11-01T02:00:00Z"),
        ("I3", "B3", "2026-11-01T02:00:00Z"),
    ]
    by_borrower = (
        "SELECT id FROM interaction INDEXED BY interaction_by_borrower WHERE borrower_id = ?"
    )
    assert conn.execute(by_borrower, ("B2",)).fetchall() == [("I1",)]
    due = conn.execute("SELECT first_unpaid_due FROM loan INDEXED BY loan_by_borrower").fetchone()
    assert due[0] is None  # paid up: the column and its index entry moved


def test_a_record_sent_again_unchanged_is_not_written_again(conn, feed):
    apply_page(conn, [feed.borrower("B1"), feed.loan("L1"), feed.interaction("I1")], "c1")
    before = conn.total_changes
    apply_page(conn, [], "c2")  # a page of nothing: only the cursor is written
    cursor_only = conn.total_changes - before
    before = conn.total_changes
    again = [feed.borrower("B1"), feed.loan("L1"), feed.interaction("I1")]
    assert apply_page(conn, again, "c3") == 3  # applied (counted), yet no row rewritten
    assert conn.total_changes - before == cursor_only
    before = conn.total_changes
    apply_page(conn, [feed.loan("L1", paid=40)], "c4")  # a real change is written
    assert conn.total_changes - before > cursor_only
    assert get_cursor(conn) == "c4"
