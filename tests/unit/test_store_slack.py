"""Room left in the pages pulls write to (``store.slack``), after a compaction and a first sync:
new interactions then fill holes instead of splitting full pages, and nothing else changes."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import cache_records
from workbench.store import keys, slack
from workbench.store.apply import apply_page, get_cursor
from workbench.store.cache_files import compact
from workbench.store.db import connect, write_transaction


def _fill(path: Path, name: str) -> float:
    """Mean share of a leaf page of the B-tree ``name`` in use."""
    with closing(sqlite3.connect(path)) as conn:  # the standard library's SQLite has dbstat
        (fill,) = conn.execute(
            "SELECT avg(pgsize - unused) * 1.0 / max(pgsize) FROM dbstat "
            "WHERE name = ? AND pagetype = 'leaf'",
            (name,),
        ).fetchone()
    return fill


def _plain_vacuum(path: Path) -> None:
    """A compaction as it was: every page full."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("VACUUM")


BORROWERS, PER_BORROWER = 2000, 12


def _first_sync(path: Path, feed) -> None:
    """A cache as a first sync leaves it: 2,000 borrowers with 12 interactions each."""
    conn = connect(path)
    try:
        with write_transaction(conn):
            keys.begin_staging(conn)
        borrowers = [feed.borrower(f"B{n:05d}") for n in range(BORROWERS)]
        apply_page(conn, borrowers, "c1", stage_keys=True)
        for k in range(PER_BORROWER):
            page = [
                feed.interaction(
                    f"I{n:05d}-{k:02d}", f"B{n:05d}", started_at=f"2026-10-{k + 1:02d}T08:00:00Z"
                )
                for n in range(BORROWERS)
            ]
            apply_page(conn, page, f"c{k + 2}", stage_keys=True)
        keys.finish_staging(conn)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import FeedBuilder

    path = tmp_path_factory.mktemp("slack") / "cache.db"
    _first_sync(path, FeedBuilder())
    return path


def _frames_of_new_interactions(path: Path, feed, count: int) -> int:
    """WAL frames (pages) written by one page of ``count`` new interactions, one for each of
    ``count`` borrowers spread over the cache."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        borrowers = [r[0] for r in conn.execute("SELECT id FROM borrower ORDER BY id")]
        step = max(1, len(borrowers) // count)
        changes = [
            feed.interaction(f"{bid}-new", bid, started_at="2026-11-28T09:00:00Z")
            for bid in borrowers[::step][:count]
        ]
        apply_page(conn, changes, get_cursor(conn))
        return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        conn.close()


ROOMY_TREES = ("interaction", "interaction_by_borrower", "borrower")


def test_a_first_sync_leaves_room_where_pulls_write(synced: Path):
    for tree in ROOMY_TREES:
        assert 0.85 < _fill(synced, tree) < 0.95, tree


def test_compaction_leaves_room_and_changes_nothing(demo_cache: Path, synced: Path, tmp_path):
    for source in (demo_cache, synced):
        path = tmp_path / source.parent.name / "cache.db"
        path.parent.mkdir()
        shutil.copy(source, path)
        records = cache_records(path)
        compact(path)
        assert cache_records(path) == records  # no spacer left, nothing changed
        with closing(connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
            plan = conn.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM interaction WHERE borrower_id = 'B00001' "
                "ORDER BY started_at DESC, id DESC"
            ).fetchall()
            assert "interaction_by_borrower" in str(plan)
    for tree in ROOMY_TREES:
        assert 0.85 < _fill(path, tree) < 0.95, tree


def test_new_interactions_fill_the_room_instead_of_splitting_pages(
    synced: Path, tmp_path: Path, feed
):
    roomy, full = tmp_path / "roomy.db", tmp_path / "full.db"
    shutil.copy(synced, roomy)
    shutil.copy(synced, full)
    compact(roomy)
    _plain_vacuum(full)
    count = 100
    with_room = _frames_of_new_interactions(roomy, feed, count)
    without = _frames_of_new_interactions(full, feed, count)
    # with room, a page of each B-tree each (and the cursor's); without, pages split in two
    assert with_room < count * 1.3
    assert without > with_room * 1.6


def test_an_id_right_after_a_spacer_is_kept(cache_path: Path, feed):
    conn = connect(cache_path)
    ids = [f"I{n:03d}" for n in range(40)]
    ids.append(ids[slack.EVERY - 1] + "\x01")  # exactly the id its spacer would take
    apply_page(conn, [feed.interaction(i) for i in ids], "c1")
    with write_transaction(conn):
        slack.leave_room(conn)
    stored = sorted(r[0] for r in conn.execute("SELECT id FROM interaction"))
    assert stored == sorted(ids)
    conn.close()


def test_the_copy_stays_in_the_cache_file(cache_path: Path, feed):
    """SQLCipher does not encrypt temporary files: borrowers' rows are never staged in one."""
    import sqlcipher3.dbapi2 as sqlite

    conn = connect(cache_path)
    apply_page(conn, [feed.borrower(f"B{n:03d}") for n in range(30)], "c1")
    created: list[str] = []

    def watch(action, name, *_):
        if action in (sqlite.SQLITE_CREATE_TEMP_TABLE, sqlite.SQLITE_CREATE_TEMP_INDEX):
            created.append(name)
        return sqlite.SQLITE_OK

    conn.set_authorizer(watch)
    with write_transaction(conn):
        slack.leave_room(conn)
    conn.set_authorizer(None)
    assert created == []
    assert len(conn.execute("SELECT id FROM borrower").fetchall()) == 30
    conn.close()
