"""The supervisor's wallboard from the core: one snapshot, then its ``queue.stats`` events.

- ``fetch_wallboard(client)``: ``GET /v1/wallboard``; a 403 raises ``RoleRefused`` with the
  core's own (bilingual) message, so the desk and the CLI show why.
- ``WallboardFeed(make_client, on_update)``: in a thread of its own, takes the snapshot and
  then long-polls ``/v1/events/poll`` (works in-process over ``ASGITransport`` and against a
  served core alike), handing the desk ``("snapshot", body)``, ``("stats", queue.stats data)``
  and ``("error", message)`` through ``on_update`` (called from the feed's thread). After a
  ``reset`` (missed events) it takes a new snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

import httpx

from workbench.sync.client import SyncError, get_json, parse_json, request

Update = Callable[[str, Any], None]
POLL_WAIT_S = 10.0


class RoleRefused(SyncError):
    """The core refused the wallboard to this token's role (403)."""


async def fetch_wallboard(client: httpx.AsyncClient) -> dict[str, Any]:
    """The core's wallboard snapshot (``RoleRefused`` for a token that is not a supervisor)."""
    answer = await request(client, "GET", "/v1/wallboard")
    if answer.status_code == 403:
        try:
            message = parse_json(answer.content).get("message")
        except (ValueError, AttributeError):
            message = None
        raise RoleRefused(message or "the wallboard is for supervisors (403)")
    return await get_json(client, "/v1/wallboard")


class WallboardFeed:
    """Snapshot then live ``queue.stats`` for the desk, in a daemon thread (``start``/``stop``)."""

    def __init__(self, make_client: Callable[[], httpx.AsyncClient], on_update: Update) -> None:
        self.make_client = make_client
        self.on_update = on_update
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start following (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wallboard-feed", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop following and wait a little for the thread to end."""
        self._stop.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        # asyncio.Runner ends every task left on this loop (an in-process core's, too) before
        # closing it, as asyncio.run does.
        with asyncio.Runner() as runner:
            self._loop = runner.get_loop()
            self._task = self._loop.create_task(self._follow())
            with contextlib.suppress(asyncio.CancelledError):
                runner.run(self._wait(self._task))

    @staticmethod
    async def _wait(task: asyncio.Task) -> None:
        await task

    async def _follow(self) -> None:
        async with self.make_client() as client:
            while not self._stop.is_set():
                try:
                    await self._session(client)
                except RoleRefused as exc:
                    self.on_update("refused", str(exc))
                    return
                except SyncError as exc:
                    self.on_update("error", str(exc))
                    await asyncio.sleep(2.0)

    async def _session(self, client: httpx.AsyncClient) -> None:
        start = await get_json(client, "/v1/events/poll")
        after = start["last_id"]
        self.on_update("snapshot", await fetch_wallboard(client))
        while not self._stop.is_set():
            body = await get_json(client, "/v1/events/poll", {"after": after, "wait": POLL_WAIT_S})
            after = body["last_id"]
            for event in body["events"]:
                if event["event"] == "reset":
                    return  # a new snapshot
                if event["event"] == "queue.stats":
                    self.on_update("stats", event["data"])
