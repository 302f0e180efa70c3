"""The cache key in the OS keyring: used when there, updated by rekey, removed by wipe; a box
without a keyring backend (a headless server), or a broken one, is simply "no key"."""

from __future__ import annotations

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import PasswordDeleteError

from workbench.cli import main
from workbench.store import cipher
from workbench.store.db import CacheError, connect


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory, standing in for the OS's (Keychain, Secret Service, …)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise RuntimeError("the keyring daemon went away")

    def set_password(self, service, username, password):
        raise RuntimeError("the keyring daemon went away")


@pytest.fixture
def use_keyring(monkeypatch):
    """Install a keyring backend for one test; the previous one comes back after it."""
    monkeypatch.delenv("WORKBENCH_DB_KEY", raising=False)
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)
    cipher._keys.clear()


def test_the_key_in_the_keyring_opens_the_cache(tmp_path, use_keyring):
    ring = use_keyring(MemoryKeyring())
    path = tmp_path / "desk.db"
    connect(path, key="kept in the keyring").close()
    cipher._keys.clear()
    with pytest.raises(CacheError, match="no key was given"):
        connect(path)
    ring.set_password("workbench", str(path.resolve()), "kept in the keyring")
    connect(path).close()


def test_rekey_keeps_the_new_key_in_the_keyring_and_wipe_removes_it(tmp_path, use_keyring):
    ring = use_keyring(MemoryKeyring())
    path = tmp_path / "desk.db"
    connect(path, key="old").close()
    ring.set_password("workbench", str(path.resolve()), "old")
    cipher._keys.clear()
    env = {"WORKBENCH_DB_NEW_KEY": "new"}
    result = CliRunner().invoke(main, ["cache", "rekey", "--db", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "OS keyring" in result.stderr
    assert ring.entries == {("workbench", str(path.resolve())): "new"}
    cipher._keys.clear()
    connect(path).close()  # the key comes from the keyring
    wiped = CliRunner().invoke(main, ["cache", "wipe", "--db", str(path), "--yes"])
    assert wiped.exit_code == 0 and ring.entries == {} and not path.exists()


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring, BrokenKeyring])
def test_no_usable_keyring_is_no_key_and_no_crash(tmp_path, use_keyring, backend):
    use_keyring(backend())
    path = tmp_path / "desk.db"
    assert cipher.keyring_get(path) is None and cipher.keyring_set(path, "k") is False
    cipher.keyring_delete(path)
    connect(path, key="k").close()
    cipher._keys.clear()
    with pytest.raises(CacheError, match="no key was given"):
        connect(path)
    result = CliRunner().invoke(
        main, ["cache", "rekey", "--db", str(path)],
        env={"WORKBENCH_DB_KEY": "k", "WORKBENCH_DB_NEW_KEY": "k2"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "no OS keyring here" in result.stderr
