"""How the desk's thread workers reach the cache: one read-only connection per worker.

The UI never runs SQL itself; workers call ``workbench.store.queries`` functions with the
connection this opens through ``workbench.store.db.connect`` (the one way to open the cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def reading(db_path: Path) -> Iterator[Any]:
    """A read-only connection to the cache for the calling thread, closed on exit."""
    from workbench.store.db import connect  # lazy: keeps the SQLite build off the start path

    conn = connect(db_path, readonly=True)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def writing(db_path: Path) -> Iterator[Any]:
    """A read-write connection for one action service call (``store.actions``), closed on exit.

    Writes wait for the cache's one writer (``busy_timeout``), so call this in a thread worker.
    """
    from workbench.store.db import connect

    conn = connect(db_path)
    try:
        yield conn
    finally:
        conn.close()
