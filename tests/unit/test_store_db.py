"""The cache opens through one function with the house rules, and refuses what it can't use."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from workbench.store import schema
from workbench.store.db import CacheError, connect, write_transaction


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_cache_and_its_wal_and_shm_are_private(cache_path: Path):
    conn = connect(cache_path)
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('x', 'y')")
    wal = cache_path.with_name(cache_path.name + "-wal")
    shm = cache_path.with_name(cache_path.name + "-shm")
    assert wal.exists() and shm.exists()
    assert mode(cache_path) == mode(wal) == mode(shm) == 0o600
    conn.close()


def test_existing_cache_with_loose_mode_is_tightened(cache_path: Path):
    connect(cache_path).close()
    cache_path.chmod(0o644)
    connect(cache_path).close()
    assert mode(cache_path) == 0o600


def test_house_pragmas(cache_path: Path):
    conn = connect(cache_path)
    pragma = lambda name: conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("busy_timeout") == 5000
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("user_version") == len(schema.MIGRATIONS)
    assert conn.isolation_level is None
    assert conn.execute("SELECT sqlite_version()").fetchone()[0] >= "3.53"


def test_write_transaction_rolls_back_on_error(cache_path: Path):
    conn = connect(cache_path)
    with pytest.raises(RuntimeError), write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('cursor', '1')")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM sync_state").fetchone()[0] == 0
    assert not conn.in_transaction


def test_every_entity_has_a_table(cache_path: Path):
    from workbench.domain.models import ENTITIES

    conn = connect(cache_path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert set(ENTITIES) <= tables
    assert {"search_key", "sync_state"} <= tables


def test_reopen_keeps_data_and_does_not_migrate_again(cache_path: Path):
    conn = connect(cache_path)
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('cursor', '7')")
    conn.close()
    conn = connect(cache_path)
    assert conn.execute("SELECT value FROM sync_state").fetchone()[0] == "7"


def test_cache_from_a_newer_workbench_is_refused(cache_path: Path):
    conn = connect(cache_path)
    conn.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(CacheError, match="newer workbench"):
        connect(cache_path)
    with pytest.raises(CacheError, match="newer workbench"):
        connect(cache_path, readonly=True)


def test_garbage_file_is_not_a_cache(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite at all, just text\n" * 200)
    with pytest.raises(CacheError, match="not a workbench cache"):
        connect(path)


def test_someone_elses_sqlite_file_is_not_a_cache(tmp_path: Path):
    import sqlcipher3.dbapi2 as sqlite

    path = tmp_path / "other.db"
    other = sqlite.connect(str(path))
    other.execute("CREATE TABLE t(x)")
    other.commit()
    other.close()
    with pytest.raises(CacheError, match="not a workbench cache"):
        connect(path)


def test_readonly_does_not_create_a_missing_cache(tmp_path: Path):
    path = tmp_path / "missing.db"
    with pytest.raises(CacheError, match="no cache"):
        connect(path, readonly=True)
    assert not path.exists()


def test_readonly_connection_reads_but_cannot_write(cache_path: Path):
    connect(cache_path).close()
    conn = connect(cache_path, readonly=True)
    assert conn.execute("SELECT count(*) FROM borrower").fetchone()[0] == 0
    with pytest.raises(Exception, match="readonly"):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('a', 'b')")


def test_directory_in_the_way_is_a_clear_error(tmp_path: Path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(CacheError, match="cannot create"):
        connect(tmp_path / "dir.db")
