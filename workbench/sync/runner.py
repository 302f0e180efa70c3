"""Keep a cache in step with the core: live events, periodic pull, outbox push — and a status.

:class:`Follower` is the async engine (``workbench sync --follow`` runs it in the foreground);
:class:`SyncRunner` runs one in a thread of its own for the desk::

    runner = SyncRunner(db_path, core_url, token=token, on_status=app_status_callback)
    runner.start()
    ...                 # after the desk wrote an action (store.actions): push it now
    runner.poke()
    ...
    runner.stop()       # clean shutdown: the event stream and the HTTP client are closed

``on_call_event(event)`` (optional) receives the call centre's events as
:class:`~workbench.domain.calls.CallEvent` objects, from the runner's thread, and
``runner.control(CallCommand(...))`` answers, holds, ends calls or switches the agent's state
(see ``sync.calls``).

``on_status(status)`` is called from the runner's thread whenever the :class:`SyncStatus`
changes (state, last successful sync, outbox counts, cursor); a Textual app forwards it with
``app.call_from_thread``. The status is also readable at any time as ``runner.status``.

How it keeps up:

- **events**: ``GET /v1/events`` (SSE); every ``change``/``reset`` event (and every reconnect)
  triggers a pull; the stream is reopened with ``Last-Event-ID`` and backoff when it breaks.
  Over an in-process ``httpx.ASGITransport`` (the embedded demo) there is no streaming, so the
  follower polls instead (every ``pull_interval`` seconds);
- **pull**: on those triggers and every ``pull_interval`` seconds; after a failure it backs off
  (1 s doubling to ``pull_interval``, jittered);
- **push**: right after :meth:`poke`, whenever a pending action becomes due again (its retry
  time), and every ``push_interval`` seconds; when the core comes back after an outage every
  waiting action is tried at once.

States (:class:`SyncState`): ``starting`` (first pull not done yet), ``live`` (last pull worked
and the event stream is open, or polling is all there is), ``reconnecting`` (a pull or the
event stream failed, retrying), ``offline`` (:data:`OFFLINE_AFTER` pulls in a row failed),
``unauthorized`` (the core rejected the token: nothing is retried until
:data:`AUTH_RETRY` seconds pass or :meth:`SyncRunner.poke`), ``stopped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable

from workbench.domain.calls import CallCommand, CallEvent
from workbench.sync.calls import CallEventCallback
from workbench.sync.follow import (
    AUTH_RETRY,
    OFFLINE_AFTER,
    PULL_INTERVAL,
    PUSH_INTERVAL,
    Follower,
)
from workbench.sync.status import StatusCallback, SyncState, SyncStatus

__all__ = [
    "AUTH_RETRY",
    "OFFLINE_AFTER",
    "PULL_INTERVAL",
    "PUSH_INTERVAL",
    "Follower",
    "StatusCallback",
    "SyncRunner",
    "SyncState",
    "SyncStatus",
]


class SyncRunner:
    """A :class:`Follower` in a daemon thread with its own event loop (for the desk)."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        base_url: str,
        *,
        on_status: StatusCallback | None = None,
        on_call_event: CallEventCallback | None = None,
        **options,
    ) -> None:
        self._follower = Follower(
            db_path, base_url, on_status=on_status, on_call_event=on_call_event, **options
        )
        self._on_call_event = on_call_event
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="workbench-sync", daemon=True)
        self.error: BaseException | None = None  # why the thread ended, if it failed

    @property
    def status(self) -> SyncStatus:
        """The latest status (an immutable snapshot; safe to read from any thread)."""
        return self._follower.status

    def start(self) -> None:
        """Start following in the background; returns at once."""
        self._thread.start()
        self._ready.wait(timeout=5)

    def poke(self) -> None:
        """A new action was written: push it now (thread-safe)."""
        self._call(self._follower.poke)

    def control(self, cmd: CallCommand) -> None:
        """Send a call command to the core (thread-safe, returns at once).

        Its outcome comes back through ``on_call_event``: the event the core broadcasts, or a
        ``CallEvent(type="error", message=...)`` saying why it failed.
        """
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop just closed
                loop.call_soon_threadsafe(self._follower.control, cmd)
                return
        if self._on_call_event is not None:
            self._on_call_event(
                CallEvent("error", message="同步未运行，无法操作呼叫 / the sync is not running")
            )

    def pull_now(self) -> None:
        """Pull now (thread-safe)."""
        self._call(self._follower.pull_now)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread (at most ``timeout`` seconds)."""
        self._call(self._follower.request_stop)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _call(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop just closed
                loop.call_soon_threadsafe(fn)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            task = asyncio.create_task(self._follower.run())
            await asyncio.sleep(0)  # let run() create its events before anyone pokes
            self._ready.set()
            await task

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported through .error, never raised
            self.error = exc
            self._ready.set()
