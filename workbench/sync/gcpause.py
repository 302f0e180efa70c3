"""Pause Python's cyclic garbage collector around bulk work on feed pages.

Decoding and storing a page makes hundreds of thousands of short-lived, acyclic objects (a loan
brings its whole schedule); each of them counts toward the collector's thresholds, so it keeps
walking every live object while nothing it could free exists — about a third of the CPU of an
initial sync. Reference counting still frees everything at once; the collector only resumes
when the page is done. Nested and concurrent pauses (the desk's sync thread, the UI thread)
are counted, and a collector someone else disabled stays disabled.

Example::

    with paused_gc():
        page = orjson.loads(body)
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_resume = False


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting goes on)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
