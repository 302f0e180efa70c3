"""How the desk reaches the cache: the UI never runs SQL itself.

The desk's reads go to a :class:`Reader`: one read-only connection (opened through
``workbench.store.db.connect``, the one way to open the cache) kept open in a thread of its
own, which runs ``workbench.store.queries`` functions one after another. The UI thread hands
it work and awaits the answer (:meth:`Reader.run`), so a search or a borrower costs no new
connection, no new thread and no schema checks. A job whose caller gave up (a newer keystroke
cancelled the search) is skipped before it starts.

``reading``/``writing`` open a connection for one block (workers that run once, action
services).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")


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


_Job = tuple[Future, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class Reader:
    """A read-only connection to the cache at ``db_path``, kept open in its own thread.

    Jobs run in the order given; ``fn(conn, *args, **kwargs)`` must only read (the store's
    query functions). The connection is opened by the first job (an error opening it is that
    job's error, and the next job tries again) and is in autocommit mode, so each query sees
    the cache as the sync last left it.
    """

    def __init__(self, db_path: Path, name: str = "cache-reader") -> None:
        self.db_path = Path(db_path)
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn(conn, *args, **kwargs)``; cancel the future to skip it if not started."""
        future: Future[T] = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
            self._jobs.put((future, fn, args, kwargs))
        return future

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(conn, *args, **kwargs)`` in the reader's thread; awaiting it does not block the
        event loop. Cancelling the awaiting task skips the job if it has not started."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def close(self, timeout: float = 2.0) -> None:
        """Finish the queued jobs, close the connection and end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._jobs.put(None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _serve(self) -> None:
        conn = None
        try:
            while (job := self._jobs.get()) is not None:
                future, fn, args, kwargs = job
                if not future.set_running_or_notify_cancel():
                    continue  # its caller moved on (a newer search)
                try:
                    if conn is None:
                        from workbench.store.db import connect

                        conn = connect(self.db_path, readonly=True)
                    future.set_result(fn(conn, *args, **kwargs))
                except BaseException as exc:  # the caller sees it; the thread goes on
                    future.set_exception(exc)
                    if conn is not None and not _is_query_error(exc):
                        conn.close()
                        conn = None  # a damaged or replaced cache: open it afresh next time
        finally:
            if conn is not None:
                conn.close()


def _is_query_error(exc: BaseException) -> bool:
    """Errors of one query (bad input) that leave the connection itself usable."""
    return isinstance(exc, ValueError | TypeError | KeyError | LookupError)


_readers: WeakKeyDictionary[Any, dict[str, Reader]] = WeakKeyDictionary()


def reader(app: Any, role: str = "view") -> Reader:
    """The app's long-lived reader for ``role`` (``"search"``: the desk's lookups;
    ``"view"``: the borrower view and its history pages), made on first use.

    Two readers, so a borrower being opened never waits behind a keystroke's search."""
    mine = _readers.setdefault(app, {})
    found = mine.get(role)
    if found is None or found.db_path != Path(app.db_path):
        found = mine[role] = Reader(app.db_path, name=f"cache-reader-{role}")
    return found


def close_readers(app: Any) -> None:
    """Close the app's readers (when the desk ends); a later read opens them again."""
    for one in _readers.pop(app, {}).values():
        one.close()
