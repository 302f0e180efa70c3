"""The cache's key: where it comes from and how it becomes a SQLCipher key.

A cache is encrypted with SQLCipher (AES-256, HMAC per page, the ``-wal`` too) when a key is
given as it is created; a cache created without one stays plain SQLite (the embedded demo).
The first 16 bytes of an encrypted file are its random salt (SQLCipher stores it in clear).

The key is a passphrase, looked for in order: one given to :func:`remember_key` in this
process (typed at a prompt), ``WORKBENCH_DB_KEY``, the OS keyring (only when the ``keyring``
package is installed and has a working backend; service ``workbench``, user = the cache's
absolute path), and last the provider installed with :func:`set_key_provider` (the command
line: a prompt, and the rule that a configured core gets no plaintext cache).

The passphrase is stretched once per process with scrypt over the file's salt, and given to
SQLCipher as a raw key (``x'<key><salt>'``), so opening a connection costs no key derivation:
the desk opens one per query.

Example::

    remember_key(path, "correct horse battery staple")
    conn = connect(path)  # encrypted if new, decrypted if it was made with that key
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from workbench import config

State = Literal["new", "plain", "encrypted"]
KeyProvider = Callable[[Path, State], str | None]

SQLITE_HEADER = b"SQLite format 3\x00"
SALT_BYTES = 16
KEYRING_SERVICE = "workbench"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}

_keys: dict[Path, str] = {}
_lock = threading.Lock()
_provider: KeyProvider | None = None


class KeyRefused(Exception):
    """No key, and the provider will not let the cache be opened (or created) without one."""


def file_state(path: Path) -> State:
    """``new`` (absent or empty), ``plain`` (a SQLite header) or ``encrypted`` (anything else)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError:  # missing, or a folder in the way: connect reports it when creating
        return "new"
    if not head:
        return "new"
    return "plain" if head == SQLITE_HEADER else "encrypted"


def remember_key(path: Path, passphrase: str | None) -> None:
    """Use ``passphrase`` for the cache at ``path`` for the rest of this process (None: forget)."""
    with _lock:
        if passphrase:
            _keys[_where(path)] = passphrase
        else:
            _keys.pop(_where(path), None)


def set_key_provider(provider: KeyProvider | None) -> None:
    """Install the last resort for a key: ``provider(path, state)`` → passphrase or None.

    It may raise :class:`KeyRefused` (the message is shown as is). It is asked for a new
    cache or an encrypted one only when no other source has a key; it is told of every plain
    one (its answer is ignored: a plain cache opens without a key, or not at all).
    """
    global _provider
    _provider = provider


def known_key(path: Path) -> str | None:
    """The key for ``path`` from memory, ``WORKBENCH_DB_KEY`` or the keyring; None if none.

    A key read from the keyring is remembered: the desk opens a connection per query.
    """
    with _lock:
        remembered = _keys.get(_where(path))
    if remembered or (remembered := os.environ.get(config.ENV_DB_KEY)):
        return remembered
    stored = keyring_get(path)
    if stored:
        remember_key(path, stored)
    return stored


def key_for(path: Path, state: State) -> str | None:
    """The passphrase to open ``path`` with (None: plain SQLite); may raise KeyRefused.

    A plain cache needs no key, but the provider hears of it (it may refuse a plain cache).
    """
    if state == "plain":
        if _provider is not None:
            _provider(path, state)
        return None
    found = known_key(path)
    if found or _provider is None:
        return found
    given = _provider(path, state)
    if given:
        remember_key(path, given)
    return given or None


def key_pragma(path: Path, passphrase: str, state: State) -> str:
    """The ``PRAGMA key`` statement for ``passphrase`` on ``path`` (a new salt for a new file)."""
    salt = read_salt(path) if state == "encrypted" else os.urandom(SALT_BYTES)
    return f"PRAGMA key = \"x'{raw_key(passphrase, salt).hex()}{salt.hex()}'\""


def read_salt(path: Path) -> bytes:
    with open(path, "rb") as f:
        salt = f.read(SALT_BYTES)
    return salt.ljust(SALT_BYTES, b"\0")  # a file too short to be a cache fails on the key


@functools.lru_cache(maxsize=8)
def raw_key(passphrase: str, salt: bytes) -> bytes:
    """The 256-bit key for ``passphrase`` and ``salt`` (scrypt; computed once per process)."""
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, **_SCRYPT)


def keyring_get(path: Path) -> str | None:
    """The key stored in the OS keyring for ``path``; None without a usable keyring."""
    backend = _keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, str(_where(path))) or None
    except Exception:  # a locked or broken keyring is "no key", never a crash
        return None


def keyring_set(path: Path, passphrase: str) -> bool:
    """Store the key in the OS keyring; False when there is no usable keyring."""
    backend = _keyring()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, str(_where(path)), passphrase)
    except Exception:
        return False
    return True


def keyring_delete(path: Path) -> None:
    """Forget the key stored in the OS keyring for ``path`` (nothing if there is none)."""
    backend = _keyring()
    if backend is None:
        return
    try:
        backend.delete_password(KEYRING_SERVICE, str(_where(path)))
    except Exception:  # no such entry, or a keyring that cannot: either way nothing is kept
        return


def _keyring():
    """The ``keyring`` module when it is installed and has a real backend, else None.

    No backend (a headless server: ``fail``), the ``null`` one (``PYTHON_KEYRING_BACKEND``
    set to it turns the keyring off) or a chain of nothing: no keyring.
    """
    try:
        import keyring
        from keyring.backends import chainer, fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
    except Exception:
        return None
    return keyring


def _where(path: Path) -> Path:
    return Path(path).expanduser().resolve()
