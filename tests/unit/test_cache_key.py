"""The cache at rest: encrypted with its key, unreadable without it, 0600 with its side files;
rekeyed and wiped as whole files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from workbench.store import cipher
from workbench.store.cache_files import cache_files, rekey, wipe
from workbench.store.db import CacheError, connect, write_transaction
from workbench.sync.token import read_token_file, save_token

SECRET = "身份证 110101199003071234 电话 13812345678"  # what must never be on disk in clear


@pytest.fixture(autouse=True)
def no_remembered_keys():
    cipher.set_key_provider(None)
    yield
    cipher._keys.clear()


def fill(path: Path, key: str | None) -> None:
    conn = connect(path, key=key)
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('probe', ?)", (SECRET,))
    conn.close()


def probe(path: Path, key: str | None) -> str:
    conn = connect(path, key=key, readonly=True)
    try:
        return conn.execute("SELECT value FROM sync_state WHERE name = 'probe'").fetchone()[0]
    finally:
        conn.close()


def on_disk(path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in cache_files(path))


def test_an_encrypted_cache_is_unreadable_without_its_key(tmp_path):
    path = tmp_path / "desk.db"
    fill(path, "正确的钥匙 right key")
    assert cipher.file_state(path) == "encrypted"
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert SECRET.encode() not in on_disk(path) and b"sync_state" not in on_disk(path)
    with pytest.raises(sqlite3.DatabaseError):  # the plain stdlib sqlite3 cannot read it
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    assert probe(path, "正确的钥匙 right key") == SECRET


def test_the_wal_is_encrypted_too_while_a_connection_writes(tmp_path):
    path = tmp_path / "desk.db"
    conn = connect(path, key="k")
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('probe', ?)", (SECRET,))
    wal = path.with_name("desk.db-wal")
    assert wal.stat().st_size > 0 and SECRET.encode() not in wal.read_bytes()
    conn.close()


def test_a_wrong_or_missing_key_is_a_clear_cache_error(tmp_path):
    path = tmp_path / "desk.db"
    fill(path, "right")
    for readonly in (False, True):
        with pytest.raises(CacheError, match="缓存密钥错误 / wrong cache key") as wrong:
            connect(path, key="wrong", readonly=readonly)
        assert "file is not a database" not in str(wrong.value)
    with pytest.raises(CacheError, match=r"缓存已加密 .* no key was given"):
        connect(path)


def test_the_key_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    monkeypatch.setenv("WORKBENCH_DB_KEY", "from env")
    fill(path, None)
    assert cipher.file_state(path) == "encrypted"
    assert probe(path, None) == SECRET
    monkeypatch.delenv("WORKBENCH_DB_KEY")
    with pytest.raises(CacheError, match="no key was given"):
        probe(path, None)


def test_a_provider_is_asked_only_when_no_key_is_known_and_its_key_is_remembered(tmp_path):
    path = tmp_path / "desk.db"
    fill(path, "typed")
    asked = []

    def provider(where, state):
        asked.append(state)
        return "typed" if state == "encrypted" else None  # a new cache may stay plain

    cipher.set_key_provider(provider)
    assert probe(path, None) == SECRET and probe(path, None) == SECRET
    assert asked == ["encrypted"]  # typed once, remembered for the process
    plain = tmp_path / "plain.db"
    fill(plain, None)
    assert cipher.file_state(plain) == "plain" and asked == ["encrypted", "new"]


def test_a_plain_cache_stays_readable_and_a_key_does_not_break_it(tmp_path):
    path = tmp_path / "demo.db"
    fill(path, None)
    assert cipher.file_state(path) == "plain"
    assert probe(path, "a key for other caches") == SECRET


def test_rekey_changes_the_key_and_encrypts_a_plain_cache(tmp_path):
    path = tmp_path / "desk.db"
    fill(path, None)
    rekey(path, "first")
    assert cipher.file_state(path) == "encrypted" and SECRET.encode() not in on_disk(path)
    cipher._keys.clear()
    assert probe(path, "first") == SECRET
    rekey(path, "second", old_key="first")
    cipher._keys.clear()
    assert probe(path, "second") == SECRET
    with pytest.raises(CacheError, match="wrong cache key"):
        probe(path, "first")
    assert connect(path, key="second").execute("PRAGMA user_version").fetchone()[0] > 0
    assert not path.with_name("desk.db.rekey").exists()


def test_rekey_refuses_while_the_cache_is_open_and_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "desk.db"
    fill(path, "old")
    desk = connect(path, key="old")
    with pytest.raises(CacheError, match="in use"):
        rekey(path, "new", old_key="old")
    desk.close()
    assert probe(path, "old") == SECRET
    assert not [f for f in tmp_path.iterdir() if ".rekey" in f.name]


def test_wipe_deletes_the_cache_and_its_side_files(tmp_path):
    path = tmp_path / "desk.db"
    keep = tmp_path / "desk.db.bak"
    keep.write_text("not ours")
    conn = connect(path, key="k")
    conn.execute("SELECT count(*) FROM borrower").fetchone()
    names = {f.name for f in cache_files(path)}
    assert names == {"desk.db", "desk.db-wal", "desk.db-shm"}
    conn.close()
    fill(path, "k")
    assert wipe(path) and cache_files(path) == [] and keep.exists()


def test_the_cache_its_side_files_and_the_token_file_are_owner_only(tmp_path):
    path = tmp_path / "desk.db"
    conn = connect(path, key="k")
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('probe', 'x')")
    files = cache_files(path)
    assert len(files) == 3
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    conn.close()
    token = save_token("s3cret-token", tmp_path / "config" / "token")
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert stat.S_IMODE(token.parent.stat().st_mode) == 0o700
    assert read_token_file(token) == "s3cret-token"
