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
