"""The one way to open the agent's cache.

Every connection to a cache comes from :func:`connect`, which applies the house rules: the pinned
SQLite build (``sqlcipher3`` bundles SQLite 3.53; the OS's library is never used), WAL, a 5 s busy
timeout, foreign keys on, ``synchronous=NORMAL``, incremental auto-vacuum (new caches), file
mode 0600 for the database and its
``-wal``/``-shm`` files, autocommit mode (``isolation_level=None``) with explicit
:func:`write_transaction` blocks, and schema migrations applied on open. A cache made with a
key is encrypted (SQLCipher); where the key comes from is ``store.cipher``.

Example::

    conn = connect(path)
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('cursor', '42')")
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import sqlcipher3.dbapi2 as sqlite

from workbench import config
from workbench.store import cipher, schema, slack

BUSY_TIMEOUT_MS = 5000
FILE_MODE = 0o600

DatabaseError = sqlite.DatabaseError


class Connection(sqlite.Connection):
    """A cache connection; carries the per-connection state of ``store.codec``, and whether
    its cache is encrypted (``encrypted``: then nothing of it may go to a temporary file)."""

    codec = None
    encrypted = False


class CacheError(Exception):
    """The file is not a usable workbench cache: missing, corrupt, foreign, too new, or its key
    is wrong or missing."""


def connect(
    path: str | os.PathLike[str], *, readonly: bool = False, key: str | None = None
) -> Connection:
    """Open (and, unless ``readonly``, create and migrate) the cache at ``path``.

    ``key`` is the cache's passphrase; without it ``cipher.key_for`` looks for one (memory,
    ``WORKBENCH_DB_KEY``, keyring, the installed prompt). A new cache opened with a key is
    encrypted; a plain one stays plain whatever the key (``workbench cache rekey`` encrypts it).
    Raises :class:`CacheError` with a message a person can act on when the file is missing
    (read-only), is not a SQLite database, belongs to another application, was written by a
    newer workbench, or its key is wrong or missing.
    """
    path = Path(path)
    if readonly and not path.exists():
        raise CacheError(f"no cache at {path}: run `workbench sync` first")
    state = cipher.file_state(path)
    try:
        if key is not None:  # given by the caller: no other source, no provider
            passphrase = None if state == "plain" else key
        else:
            passphrase = cipher.key_for(path, state)
    except cipher.KeyRefused as exc:
        raise CacheError(str(exc)) from None
    if not readonly:
        try:
            _create_private(path)
        except OSError as exc:
            raise CacheError(f"cannot create the cache at {path}: {exc.strerror}") from exc
    try:
        keying = cipher.key_pragma(path, passphrase, state) if passphrase else None
        conn = _open(path, readonly, keying)
    except sqlite.DatabaseError as exc:
        raise CacheError(_unreadable(path, state, passphrase, exc)) from None
    try:
        _check_owner(conn, path)
        if readonly:
            _check_current(conn, path)
        else:
            migrate(conn, path)
            _restrict_sidecars(path)
    except sqlite.DatabaseError as exc:
        conn.close()
        raise CacheError(f"{path} is not a workbench cache or is damaged ({exc})") from exc
    except CacheError:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; ``ROLLBACK`` when the block raises.

    IMMEDIATE takes the write lock up front, so two writers wait on ``busy_timeout`` instead of
    failing half-way with SQLITE_BUSY on lock upgrade.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: Connection, path: Path | str = "cache") -> int:
    """Apply the migrations this cache has not seen yet; return the schema version."""
    version = _user_version(conn)
    latest = len(schema.MIGRATIONS)
    if version > latest:
        raise CacheError(_too_new(path, version, latest))
    for number in range(version + 1, latest + 1):
        with write_transaction(conn):
            if number == 1:
                conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            step = schema.MIGRATIONS[number - 1]
            if callable(step):
                step(conn)
            else:
                for statement in schema.statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    if 0 < version < latest:  # an upgrade may rewrite much of a big cache: give back its WAL
        if any(version < number <= latest for number in schema.VACUUM_AFTER):
            vacuum(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return latest


def vacuum(conn: Connection) -> None:
    """Rewrite the cache compactly (and with incremental auto-vacuum from then on), then
    :func:`make_room`; VACUUM's copy is built in a temporary file (SQLCipher encrypts it), not
    in memory, whatever the cache's size."""
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("PRAGMA temp_store = FILE")
    try:
        conn.execute("VACUUM")
    finally:
        conn.execute("PRAGMA temp_store = MEMORY")
    make_room(conn)


def make_room(conn: Connection) -> None:
    """Leave room in the pages new rows land in (``store.slack``, one transaction), then give
    the free pages back to the file system. The indexes it builds may spill to a temporary
    file: they hold ids and times only."""
    conn.execute("PRAGMA temp_store = FILE")
    try:
        with write_transaction(conn):
            slack.leave_room(conn)
    finally:
        conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA incremental_vacuum").fetchall()  # the old copies' pages go back


def _create_private(path: Path) -> None:
    """Create the file 0600 before SQLite does, so it is never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    os.close(fd)
    if (path.stat().st_mode & 0o777) != FILE_MODE:
        with contextlib.suppress(PermissionError):
            os.chmod(path, FILE_MODE)


def _open(path: Path, readonly: bool, keying: str | None = None) -> Connection:
    if readonly:
        uri = f"file:{quote(str(path))}?mode=ro"
        conn = sqlite.connect(uri, uri=True, isolation_level=None, factory=Connection)
    else:
        conn = sqlite.connect(str(path), isolation_level=None, factory=Connection)
    try:
        _unlock(conn, keying)
    except BaseException:
        conn.close()
        raise
    conn.encrypted = keying is not None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        # Before the first table exists these also fix the page size of a new cache, and let
        # it give pages back to the file system (``store.keys`` frees a whole table's worth).
        conn.execute(f"PRAGMA page_size = {schema.PAGE_SIZE}")
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MB: lookups and bulk sync stay in memory
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def _unlock(conn: Connection, keying: str | None) -> None:
    """Key the connection (first of all) and read the schema, so a wrong key fails here."""
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not a log line
    if keying is not None:
        conn.execute(keying)
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()


def _unreadable(path: Path, state: str, passphrase: str | None, exc: Exception) -> str:
    if state == "encrypted" and passphrase:
        return (
            f"缓存密钥错误 / wrong cache key for {path} (or the file is not a workbench cache): "
            f"check {config.ENV_DB_KEY} or the key you typed"
        )
    if state == "encrypted":
        return (
            f"缓存已加密 / {path} is not a workbench cache, or is an encrypted one and no key "
            f"was given: set {config.ENV_DB_KEY}, or run the command in a terminal to type it"
        )
    return f"{path} is not a workbench cache ({exc})"


def _restrict_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if (sidecar.stat().st_mode & 0o777) != FILE_MODE:
                os.chmod(sidecar, FILE_MODE)


def _user_version(conn: Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _check_owner(conn: Connection, path: Path) -> None:
    """A database with tables but without our application id is someone else's file."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == schema.APPLICATION_ID:
        return
    has_tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] > 0
    if app_id != 0 or has_tables:
        raise CacheError(f"{path} is a SQLite database but not a workbench cache")


def _check_current(conn: Connection, path: Path) -> None:
    version, latest = _user_version(conn), len(schema.MIGRATIONS)
    if version > latest:
        raise CacheError(_too_new(path, version, latest))
    if version < latest:
        raise CacheError(
            f"cache {path} has schema v{version}, this workbench needs v{latest}: "
            "open it once read-write (e.g. `workbench sync`) to upgrade it"
        )


def _too_new(path: Path | str, version: int, latest: int) -> str:
    return (
        f"cache {path} was written by a newer workbench (schema v{version}; this one knows "
        f"up to v{latest}): upgrade workbench, or use another --db"
    )
