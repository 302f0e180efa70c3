"""``workbench cache compact``: changes after the first sync split full pages; compaction gives
the room back, keeps every record and the outbox, and refuses while the cache is open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import cache_records
from workbench.cli import main
from workbench.store import actions
from workbench.store.apply import apply_page, get_cursor
from workbench.store.cache_files import compact, files_size
from workbench.store.codec import codec_of
from workbench.store.db import CacheError, connect


def churned_copy(demo_cache: Path, tmp_path: Path) -> Path:
    """A copy of the demo cache after a day of changes landing between existing rows."""
    path = tmp_path / "cache.db"
    shutil.copy(demo_cache, path)
    conn = connect(path)
    try:
        codec = codec_of(conn)
        rows = conn.execute("SELECT id, borrower_id, started_at, data FROM interaction").fetchall()
        cursor = get_cursor(conn)
        changes = []
        for n, row in enumerate(rows):
            data = codec.unpack(conn, "interaction", row)
            # an id sorting right after an existing one: every insert lands inside a full page
            data |= {"id": f"{row[0]}a", "notes": f"回访 {n}"}
            changes.append({"seq": n, "entity": "interaction", "op": "upsert", "id": data["id"]})
            changes[-1]["data"] = data
        for start in range(0, len(changes), 500):
            apply_page(conn, changes[start : start + 500], cursor)
        actions.add_note(conn, rows[0][1], "压缩前写的备注", agent_id="A001")
    finally:
        conn.close()
    return path


def test_compaction_gives_back_the_room_and_keeps_every_record(demo_cache, tmp_path) -> None:
    fresh = tmp_path / "fresh.db"
    shutil.copy(demo_cache, fresh)
    path = churned_copy(demo_cache, tmp_path)
    records = cache_records(path)
    grown = files_size(path)

    before, after = compact(path)

    assert before == grown
    # the new rows take room of their own; the split pages' empty halves are given back
    assert before - after > (grown - files_size(fresh)) * 0.25
    assert cache_records(path) == records
    conn = connect(path)
    try:
        pending = conn.execute("SELECT type, status FROM outbox").fetchall()
        assert pending == [("note", "pending")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_compaction_refuses_while_the_cache_is_open(demo_cache, tmp_path) -> None:
    path = tmp_path / "cache.db"
    shutil.copy(demo_cache, path)
    desk = connect(path, readonly=True)
    try:
        desk.execute("SELECT count(*) FROM borrower").fetchone()
        with pytest.raises(CacheError, match="in use"):
            compact(path)
    finally:
        desk.close()
    assert compact(path)[1] > 0  # alone now: it runs


def test_the_command_says_what_it_freed(demo_cache, tmp_path, cli_env) -> None:
    path = churned_copy(demo_cache, tmp_path)
    result = CliRunner().invoke(main, ["cache", "compact", "--db", str(path)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "已压缩 / compacted" in result.output and "MB freed" in result.output
    missing = CliRunner().invoke(
        main, ["cache", "compact", "--db", str(tmp_path / "none.db")], env=cli_env
    )
    assert missing.exit_code == 1 and "no cache at" in missing.output
