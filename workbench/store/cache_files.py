"""Whole-file operations on a cache: give it a new key, compact it, and wipe it off the disk.

``rekey`` copies the cache into a new file encrypted with the new key (``sqlcipher_export``),
then puts it in place of the old one; a plain cache is encrypted the same way. It refuses while
another connection (the desk, a sync) has the cache open. ``compact`` rewrites the cache with
full pages (``VACUUM``): a first sync writes rows in key order and leaves pages full, but every
later change that lands in a full page splits it, so a cache that has followed the core for a
while holds pages a third empty on average; compaction gives that space back. It too refuses
while the cache is open elsewhere. ``wipe`` deletes the cache with its ``-wal``, ``-shm`` and
``-journal`` files.

Example::

    rekey(Path("desk.db"), "new passphrase")      # the old key from WORKBENCH_DB_KEY, …
    compact(Path("desk.db"))                       # → (bytes before, bytes after)
    wipe(Path("desk.db"))                          # → the files deleted
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from workbench.store import cipher, schema
from workbench.store.db import FILE_MODE, CacheError, DatabaseError, connect, vacuum

SIDECARS = ("-wal", "-shm", "-journal")


def cache_files(path: Path) -> list[Path]:
    """The cache and whichever of its side files exist."""
    candidates = [path, *(path.with_name(path.name + s) for s in SIDECARS)]
    return [p for p in candidates if p.exists()]


def wipe(path: Path) -> list[Path]:
    """Delete the cache and its side files; forget its key (this process, the OS keyring).

    Returns the files deleted.
    """
    gone = []
    for file in cache_files(path):
        file.unlink(missing_ok=True)
        gone.append(file)
    cipher.remember_key(path, None)
    cipher.keyring_delete(path)
    return gone


def rekey(path: Path, new_key: str, *, old_key: str | None = None) -> None:
    """Encrypt the cache at ``path`` with ``new_key`` (a plain cache becomes encrypted).

    ``old_key`` opens it (default: the usual sources, ``cipher.key_for``). Raises
    :class:`CacheError` when it cannot be opened, is in use, or the copy fails; the cache is
    then left as it was.
    """
    if not new_key:
        raise CacheError("新密钥为空 / the new cache key is empty")
    if not path.exists():
        raise CacheError(f"no cache at {path}")
    temp = path.with_name(path.name + ".rekey")
    for leftover in cache_files(temp):
        leftover.unlink()
    conn = connect(path, key=old_key)
    try:
        _export(conn, path, temp, new_key)
    except BaseException:
        conn.close()
        for leftover in cache_files(temp):
            leftover.unlink(missing_ok=True)
        raise
    conn.close()
    for sidecar in SIDECARS:  # the old file's; the last connection closed, so none is live
        path.with_name(path.name + sidecar).unlink(missing_ok=True)
    os.replace(temp, path)
    cipher.remember_key(path, new_key)
    connect(path, key=new_key).close()  # proves the new key opens it (and sets WAL again)


def files_size(path: Path) -> int:
    """Bytes on disk of the cache and its side files."""
    return sum(f.stat().st_size for f in cache_files(path))


def compact(path: Path, *, key: str | None = None) -> tuple[int, int]:
    """Rewrite the cache at ``path`` compactly (full pages, but for the room ``store.slack``
    leaves where pulls add rows); returns its size (with side files) before and after, in bytes.

    Needs free disk space about the size of the cache while it runs. Raises
    :class:`CacheError` when the cache cannot be opened or is in use; an interrupted compaction
    leaves a whole cache (``VACUUM`` and the rebuilds leaving room are one transaction each).
    """
    if not path.exists():
        raise CacheError(f"no cache at {path}")
    before = files_size(path)
    conn = connect(path, key=key)
    try:
        _take_alone(conn, path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        vacuum(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return before, files_size(path)


def _export(conn, path: Path, temp: Path, new_key: str) -> None:
    _take_alone(conn, path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    os.close(os.open(temp, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    keying = cipher.key_pragma(temp, new_key, "new").removeprefix("PRAGMA key = ")
    conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY {keying}", (str(temp),))
    try:
        conn.execute(f"PRAGMA rekeyed.page_size = {schema.PAGE_SIZE}")
        conn.execute("PRAGMA rekeyed.auto_vacuum = INCREMENTAL")
        conn.execute("SELECT sqlcipher_export('rekeyed')").fetchall()
        for pragma in ("user_version", "application_id"):
            value = conn.execute(f"PRAGMA main.{pragma}").fetchone()[0]
            conn.execute(f"PRAGMA rekeyed.{pragma} = {int(value)}")
    finally:
        conn.execute("DETACH DATABASE rekeyed")
    with open(temp, "rb+") as f:
        os.fsync(f.fileno())
    with contextlib.suppress(PermissionError):
        os.chmod(temp, FILE_MODE)


def _take_alone(conn, path: Path) -> None:
    """Hold the cache exclusively until ``conn`` closes; CacheError if anyone else has it open.

    In WAL mode every open connection holds a shared lock, idle or not, so the exclusive one
    is granted only to a connection that is alone.
    """
    conn.execute("PRAGMA busy_timeout = 1000")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE").fetchone()
    try:
        conn.execute("BEGIN EXCLUSIVE")
    except DatabaseError:
        raise CacheError(
            f"缓存正在使用 / {path} is in use (the desk or a sync has it open): close it first"
        ) from None
    conn.execute("COMMIT")
