"""The async engine that keeps a cache in step with the core (see ``sync.runner``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from datetime import UTC, datetime

import httpx

from workbench.domain.calls import CallCommand
from workbench.store import outbox
from workbench.store.apply import get_cursor, get_state
from workbench.store.db import connect, write_transaction
from workbench.sync.calls import CallChannel, CallEventCallback, is_call_event
from workbench.sync.client import Unauthorized, make_client
from workbench.sync.events import OPEN, EventsUnsupported, stream_events
from workbench.sync.pull import LAST_PULL_AT, PAGE_SIZE, PullResult, pull
from workbench.sync.push import push
from workbench.sync.status import StatusCallback, SyncState, SyncStatus

PULL_INTERVAL = 30.0
PUSH_INTERVAL = 30.0
OFFLINE_AFTER = 3
AUTH_RETRY = 300.0
EVENT_BACKOFF_CAP = 30.0


class Follower:
    """The async engine: run :meth:`run` in an event loop until :meth:`request_stop`."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
        on_status: StatusCallback | None = None,
        pull_interval: float = PULL_INTERVAL,
        push_interval: float = PUSH_INTERVAL,
        page_size: int = PAGE_SIZE,
        events: bool | None = None,
        on_call_event: CallEventCallback | None = None,
    ) -> None:
        self.db_path = db_path
        self.base_url = base_url
        self.transport = transport
        self.token = token
        self.on_status = on_status
        self.pull_interval = pull_interval
        self.push_interval = push_interval
        self.page_size = page_size
        self.use_events = (
            not isinstance(transport, httpx.ASGITransport) if events is None else events
        )
        self.status = SyncStatus()
        self._pull_failures = 0
        self._event_failures = 0
        self._events_open = False
        self._unauthorized = False
        self._stopped = False
        self._message: str | None = None
        self._last_sync: datetime | None = None  # the last good pull, this run or an earlier one
        self._synced = False  # a pull of this run succeeded
        self._applied = 0
        self._wake_pull: asyncio.Event | None = None
        self._wake_push: asyncio.Event | None = None
        self._wake_auth: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._conn = None
        self.calls = CallChannel(on_call_event) if on_call_event else None
        self._client: httpx.AsyncClient | None = None
        self._call_tasks: set[asyncio.Task] = set()
        self._early_commands: list[CallCommand] = []

    # -- control (call on the follower's own loop) ------------------------------------------

    def poke(self) -> None:
        """Push now (a new local action), and retry after a token problem."""
        if self._wake_push:
            self._wake_auth.set()
            self._wake_push.set()

    def pull_now(self) -> None:
        """Pull now."""
        if self._wake_pull:
            self._wake_pull.set()

    def control(self, cmd: CallCommand) -> None:
        """Send a call command (``on_call_event`` reports a failure as an ``error`` event)."""
        if self.calls is None:
            return
        if self._stopped:
            self.calls.error("同步未运行，无法操作呼叫 / the sync is not running: no call control")
        elif self._client is None:  # still starting: sent as soon as the client is ready
            self._early_commands.append(cmd)
        else:
            self._spawn(self.calls.run_command(self._client, cmd))

    def _spawn(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._call_tasks.add(task)
        task.add_done_callback(self._call_tasks.discard)

    def request_stop(self) -> None:
        """End :meth:`run` (cleanly: streams and client closed)."""
        if self._stop:
            self._stop.set()

    # -- the engine ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the core until :meth:`request_stop` (or cancellation)."""
        self._wake_pull, self._wake_push = asyncio.Event(), asyncio.Event()
        self._wake_auth, self._stop = asyncio.Event(), asyncio.Event()
        conn = connect(self.db_path)
        self._conn = conn
        self._last_sync = _stored_time(get_state(conn, LAST_PULL_AT))
        try:
            async with make_client(
                self.base_url, transport=self.transport, token=self.token
            ) as client:
                self._client = client
                for cmd in self._early_commands:
                    self.control(cmd)
                self._early_commands.clear()
                tasks = [
                    asyncio.create_task(self._pull_loop(conn, client), name="pull"),
                    asyncio.create_task(self._push_loop(conn, client), name="push"),
                ]
                if self.use_events:
                    tasks.append(asyncio.create_task(self._event_loop(client), name="events"))
                elif self.calls is not None:
                    poll = self.calls.poll_loop(client, self.pull_now)
                    tasks.append(asyncio.create_task(poll, name="call-events"))
                try:
                    self._publish()
                    await self._stop.wait()
                finally:  # the loops end before their client closes
                    self._client = None
                    tasks.extend(self._call_tasks)
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._stopped = True
            self._events_open = False
            with contextlib.suppress(Exception):
                self._publish()
            conn.close()

    async def _pull_loop(self, conn, client: httpx.AsyncClient) -> None:
        while True:
            self._wake_pull.clear()
            try:
                result = await pull(conn, client, page_size=self.page_size)
            except Unauthorized as exc:
                await self._token_rejected(str(exc))
                continue
            except Exception as exc:  # the core failed, or the cache did: keep trying
                self._pull_failed(exc)
                await self._sleep(_backoff(self._pull_failures, self.pull_interval))
                continue
            self._pull_ok(conn, result)
            await self._wait(self._wake_pull, self.pull_interval)

    async def _push_loop(self, conn, client: httpx.AsyncClient) -> None:
        while True:
            self._wake_push.clear()
            if self._unauthorized:
                self._wake_auth.clear()
                await self._wait(self._wake_auth, AUTH_RETRY)
                self._unauthorized = False
            else:
                try:
                    result = await push(conn, client)
                except Exception as exc:  # the cache failed (disk full …): say so, keep going
                    self._message = f"push failed: {exc}"
                else:
                    if result.unauthorized:
                        self._set_unauthorized(result.errors[-1])
                    elif result.errors:
                        self._message = result.errors[-1]
                    if result.confirmed:
                        self.pull_now()  # bring the core's records in now
                self._publish()
            await self._wait(self._wake_push, self._push_delay(conn))

    async def _event_loop(self, client: httpx.AsyncClient) -> None:
        last_id: str | None = None
        while True:
            try:
                async for event in stream_events(client, last_id):
                    if event.id is not None:
                        last_id = event.id
                    if event.type == OPEN:
                        self._events_open, self._event_failures = True, 0
                        self._publish()
                        self._resync_calls(client)
                    elif event.type in ("change", "reset"):
                        self.pull_now()
                        if event.type == "reset":
                            self._resync_calls(client)
                    elif self.calls is not None and is_call_event(event.type):
                        self.calls.dispatch(event.type, event.data)
            except EventsUnsupported:
                self.use_events = False
                self._events_open = False
                self._publish()
                if self.calls is not None:  # no stream: call events come by long-poll
                    await self.calls.poll_loop(client, self.pull_now)
                return
            except Unauthorized as exc:
                self._events_open = False
                await self._token_rejected(str(exc))
                continue
            except Exception as exc:  # a broken stream, or anything else: reopen it later
                self._message = str(exc) or type(exc).__name__
            self._events_open = False
            self._event_failures += 1
            self._publish()
            await self._sleep(_backoff(self._event_failures, EVENT_BACKOFF_CAP))

    def _resync_calls(self, client: httpx.AsyncClient) -> None:
        """After a (re)connect: the desk gets the agent's state and open calls again."""
        if self.calls is not None:
            self._spawn(self.calls.snapshot(client))

    # -- state ----------------------------------------------------------------------------------

    def _pull_ok(self, conn, result: PullResult) -> None:
        recovered = self._pull_failures > 0 or self._unauthorized
        self._pull_failures = 0
        self._unauthorized = False
        self._message = None
        self._synced = True
        self._last_sync = datetime.now(UTC)
        self._applied += result.applied
        if recovered:  # the core is back: every waiting action may go now
            with write_transaction(conn):
                outbox.retry_now(conn)
            self._wake_push.set()
        self._publish()

    def _pull_failed(self, exc: Exception) -> None:
        self._pull_failures += 1
        self._message = str(exc) or type(exc).__name__
        self._publish()

    async def _token_rejected(self, message: str) -> None:
        """Wait (no retry storm) until poked or AUTH_RETRY seconds pass, then try again."""
        self._set_unauthorized(message)
        self._wake_auth.clear()
        await self._wait(self._wake_auth, AUTH_RETRY)
        self._unauthorized = False

    def _set_unauthorized(self, message: str) -> None:
        self._unauthorized = True
        self._message = message
        self._publish()

    def _push_delay(self, conn) -> float:
        if self._unauthorized:
            return AUTH_RETRY
        due = outbox.next_attempt_at(conn)
        if due is None:
            return self.push_interval
        return min(max(due - time.time(), 0.05), self.push_interval)

    def _state(self) -> SyncState:
        if self._stopped:
            return SyncState.STOPPED
        if self._unauthorized:
            return SyncState.UNAUTHORIZED
        if self._pull_failures >= OFFLINE_AFTER:
            return SyncState.OFFLINE
        if self._pull_failures:
            return SyncState.RECONNECTING
        if not self._synced:
            return SyncState.STARTING
        if self.use_events and not self._events_open and self._event_failures:
            return SyncState.RECONNECTING
        return SyncState.LIVE

    def _publish(self) -> None:
        if self._conn is None:
            return
        counts = outbox.counts(self._conn)
        status = SyncStatus(
            state=self._state(),
            last_sync_at=self._last_sync,
            pending=counts.pending,
            parked=counts.parked,
            confirmed=counts.confirmed,
            cursor=get_cursor(self._conn),
            applied_total=self._applied,
            events=self._events_open,
            message=self._message,
        )
        if status != self.status:
            self.status = status
            if self.on_status:
                self.on_status(status)

    async def _wait(self, wake: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _stored_time(text: str | None) -> datetime | None:
    """The time of the last good pull kept in the cache (so "synced 3 h ago" survives a restart)."""
    try:
        return datetime.fromisoformat(text).astimezone(UTC) if text else None
    except ValueError:
        return None


def _backoff(failures: int, cap: float) -> float:
    """Full jitter over 1 s doubling per failure, capped; never below 0.2 s."""
    return max(0.2, random.random() * min(cap, 2.0 ** min(failures, 20)))
