"""The cache key from the command line: a wrong key is a clear message (never a traceback or
"file is not a database"), a configured core gets no plaintext cache unless --insecure-cache
says so loudly, ``cache rekey`` and ``cache wipe``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.store import cipher
from workbench.store.cache_files import cache_files
from workbench.store.db import CacheError, connect, write_transaction

WRONG_KEY = "缓存密钥错误 / wrong cache key"


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    """These tests run without the suite's WORKBENCH_INSECURE_CACHE, and forget typed keys."""
    monkeypatch.delenv("WORKBENCH_INSECURE_CACHE", raising=False)
    monkeypatch.delenv("WORKBENCH_DB_KEY", raising=False)
    yield
    cipher._keys.clear()
    cipher.set_key_provider(None)


def encrypted_cache(path: Path, key: str) -> Path:
    conn = connect(path, key=key)
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('cursor', '42')")
    conn.close()
    cipher._keys.clear()
    return path


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(main, list(args), env=env or {}, input=input)


def test_a_wrong_key_is_named_and_the_right_one_opens(tmp_path):
    path = encrypted_cache(tmp_path / "desk.db", "right")
    wrong = invoke("cache", "stats", "--db", str(path), env={"WORKBENCH_DB_KEY": "wrong"})
    assert wrong.exit_code == 1
    assert WRONG_KEY in wrong.stderr and "Traceback" not in wrong.output
    assert "file is not a database" not in wrong.output
    missing = invoke("cache", "stats", "--db", str(path), "--json")
    assert missing.exit_code == 1 and "缓存已加密" in missing.stderr
    right = invoke("cache", "stats", "--db", str(path), "--json", env={"WORKBENCH_DB_KEY": "right"})
    assert right.exit_code == 0, right.output
    assert '"cursor": "42"' in right.stdout


def test_a_wrong_key_met_deep_inside_a_command_is_still_only_the_message(tmp_path):
    path = encrypted_cache(tmp_path / "desk.db", "right")
    args = ["sync", "--follow", "--core", "http://127.0.0.1:9", "--db", str(path)]
    result = invoke(*args, env={"WORKBENCH_DB_KEY": "wrong"})
    assert result.exit_code == 1 and WRONG_KEY in result.stderr
    assert result.exc_info[0] is SystemExit  # a message, not an exception


def test_the_desk_does_not_start_on_a_wrong_key(tmp_path):
    path = encrypted_cache(tmp_path / "desk.db", "right")
    result = invoke("--db", str(path), env={"WORKBENCH_DB_KEY": "wrong"})
    assert result.exit_code == 1 and WRONG_KEY in result.stderr


def test_a_configured_core_gets_no_plaintext_cache_without_insecure_cache(tmp_path, core_server):
    path = tmp_path / "desk.db"
    refused = invoke("sync", "--core", core_server, "--db", str(path), "--once")
    assert refused.exit_code == 1
    assert "refusing to create an unencrypted cache" in refused.stderr
    assert "--insecure-cache" in refused.stderr and "Traceback" not in refused.output
    assert cipher.file_state(path) == "new"  # nothing written
    insecure = invoke("--insecure-cache", "sync", "--core", core_server, "--db", str(path))
    assert insecure.exit_code == 0, insecure.output
    assert "WARNING: UNENCRYPTED CACHE" in insecure.stderr
    assert cipher.file_state(path) == "plain"


def test_a_configured_core_with_a_key_fills_an_encrypted_cache(tmp_path, core_server):
    path = tmp_path / "desk.db"
    env = {"WORKBENCH_DB_KEY": "desk key"}
    synced = invoke("sync", "--core", core_server, "--db", str(path), "--json", env=env)
    assert synced.exit_code == 0, synced.output
    assert cipher.file_state(path) == "encrypted" and "WARNING" not in synced.stderr
    stats = invoke("cache", "stats", "--db", str(path), "--json", env=env)
    assert stats.exit_code == 0 and '"borrower": 300' in stats.stdout


def test_rekey_from_the_environment(tmp_path):
    path = encrypted_cache(tmp_path / "desk.db", "old")
    env = {"WORKBENCH_DB_KEY": "old", "WORKBENCH_DB_NEW_KEY": "new"}
    result = invoke("cache", "rekey", "--db", str(path), env=env)
    assert result.exit_code == 0, result.output
    assert "new key" in result.stderr
    cipher._keys.clear()
    assert connect(path, key="new").execute("SELECT value FROM sync_state").fetchone() == ("42",)
    with pytest.raises(CacheError, match="wrong cache key"):
        connect(path, key="old")
    nothing = invoke("cache", "rekey", "--db", str(path), env={"WORKBENCH_DB_KEY": "new"})
    assert nothing.exit_code == 1 and "WORKBENCH_DB_NEW_KEY" in nothing.stderr


def test_rekey_encrypts_a_plain_cache(tmp_path):
    path = tmp_path / "demo.db"
    connect(path).close()
    result = invoke("cache", "rekey", "--db", str(path), env={"WORKBENCH_DB_NEW_KEY": "k"})
    assert result.exit_code == 0, result.output
    assert cipher.file_state(path) == "encrypted"


def test_wipe_asks_first_then_deletes_the_cache_and_its_side_files(tmp_path):
    path = encrypted_cache(tmp_path / "desk.db", "k")
    (tmp_path / "desk.db-wal").write_bytes(b"")  # as a crash may leave them
    (tmp_path / "desk.db-shm").write_bytes(b"")
    kept = invoke("cache", "wipe", "--db", str(path), input="n\n")
    assert kept.exit_code == 1 and len(cache_files(path)) == 3
    asked = invoke("cache", "wipe", "--db", str(path), input="y\n")
    assert asked.exit_code == 0, asked.output
    assert "deleted 3 file(s)" in asked.stdout and cache_files(path) == []
    encrypted_cache(path, "k")
    assert invoke("cache", "wipe", "--db", str(path), "--yes").exit_code == 0
    assert not path.exists()
    again = invoke("cache", "wipe", "--db", str(path), "--yes")
    assert again.exit_code == 0 and "nothing to delete" in again.stderr


def test_a_plain_cache_of_a_configured_core_is_refused_until_rekeyed(tmp_path, core_server):
    path = tmp_path / "desk.db"
    made = invoke("--insecure-cache", "sync", "--core", core_server, "--db", str(path))
    assert made.exit_code == 0 and cipher.file_state(path) == "plain"
    env = {"WORKBENCH_CORE_URL": core_server}
    for args in (["sync"], ["cache", "stats"], []):  # [] is the desk
        refused = invoke("--db", str(path), *args, env=env)
        assert refused.exit_code == 1, (args, refused.output)
        assert "is not encrypted" in refused.stderr and "cache rekey" in refused.stderr
    rekeyed = invoke(
        "cache", "rekey", "--db", str(path), env=env | {"WORKBENCH_DB_NEW_KEY": "now secret"}
    )
    assert rekeyed.exit_code == 0, rekeyed.output
    synced = invoke("sync", "--db", str(path), env=env | {"WORKBENCH_DB_KEY": "now secret"})
    assert synced.exit_code == 0, synced.output
    assert cipher.file_state(path) == "encrypted"
