"""``GET /v1/events``: server-sent events from a bounded in-memory ring (and a JSON long-poll).

Every committed write that moves the feed head (actions, or ``CoreStore`` writes made directly,
as tests do) calls ``EventHub.on_head`` in the writing thread; the hub appends a ``change``
event to the ring and wakes every open stream on its own event loop. Streams never touch the
database, so a thousand open streams cost nothing while idle but a heartbeat.

Event ids are integers that only grow: the first id of a hub is the microsecond Unix time at
its start, so ids of a restarted core are larger than any it issued before. A client that
reconnects with ``Last-Event-ID`` gets the events after it from the ring; an id the ring no
longer covers (too old, or from an earlier run) gets one ``reset`` event: "pull, then follow".
A run of ``change`` events is sent as its newest one (each means "the head is at least here").

Besides ``change``, the ring carries the call centre's events (``call.*``, ``agent.state``;
``workbench.core.acd``), published with ``publish``. Clients that cannot stream (an in-process
transport) read the same ring with ``poll`` (``GET /v1/events/poll``).

Writes by *other processes* to the same file are noticed by a cheap head poll (``poll_s``),
made by whichever stream wakes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import anyio
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

HEARTBEAT_S = 15.0
RING_SIZE = 1024
POLL_S = 1.0
RETRY_MS = 2000


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    data: dict

    def encode(self) -> bytes:
        return (
            f"id: {self.id}\nevent: {self.type}\ndata: ".encode()
            + orjson.dumps(self.data)
            + b"\n\n"
        )


@dataclass(eq=False)
class _Stream:
    loop: asyncio.AbstractEventLoop
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def poke(self) -> None:
        with contextlib.suppress(RuntimeError):  # its loop has closed: the stream is gone
            self.loop.call_soon_threadsafe(self.wake.set)


class EventHub:
    """The ring of recent events and the open streams; safe to call from any thread."""

    def __init__(
        self,
        head: Callable[[], int],
        *,
        ring_size: int = RING_SIZE,
        heartbeat_s: float = HEARTBEAT_S,
        poll_s: float = POLL_S,
    ) -> None:
        self._read_head = head
        self.heartbeat_s = heartbeat_s
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._ring: deque[Event] = deque(maxlen=ring_size)
        self._last_id = time.time_ns() // 1000
        self._head = head()
        self._streams: set[_Stream] = set()
        self._closed = False
        self._polled = time.monotonic()

    @property
    def streams(self) -> int:
        """How many streams are open."""
        return len(self._streams)

    def on_head(self, head: int) -> None:
        """The feed head is now ``head`` (called after a commit, in the writing thread)."""
        with self._lock:
            if head <= self._head:
                return
            self._head = head
        self.publish("change", {"cursor": str(head)}, only_if_head=head)

    def publish(self, type: str, data: dict, *, only_if_head: int | None = None) -> int:
        """Append an event to the ring and wake every stream; returns its id."""
        with self._lock:
            if only_if_head is not None and only_if_head != self._head:
                return self._last_id  # a newer head was published meanwhile: it covers ours
            self._last_id += 1
            self._ring.append(Event(self._last_id, type, data))
            streams = list(self._streams)
        for stream in streams:
            stream.poke()
        return self._last_id

    def close(self) -> None:
        """End every stream (server shutdown); later streams end at once."""
        with self._lock:
            self._closed = True
            streams = list(self._streams)
        for stream in streams:
            stream.poke()

    def after(self, last_id: int) -> list[Event] | None:
        """Events after ``last_id`` (newest change of a run only); None: the ring lost some."""
        with self._lock:
            if last_id == self._last_id:
                return []
            first = self._ring[0].id if self._ring else self._last_id + 1
            if not first - 1 <= last_id < self._last_id:
                return None
            events = [e for e in self._ring if e.id > last_id]
        return [
            e
            for n, e in enumerate(events)
            if not (e.type == "change" and n + 1 < len(events) and events[n + 1].type == "change")
        ]

    async def stream(self, last_event_id: int | None) -> AsyncIterator[bytes]:
        """The bytes of one client's event stream, until it leaves or the hub closes."""
        me = _Stream(asyncio.get_running_loop())
        with self._lock:
            self._streams.add(me)
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            seen, head = self._now()
            if last_event_id is None:
                yield Event(seen, "change", {"cursor": str(head)}).encode()
            else:
                seen = last_event_id
            while not self._closed:
                me.wake.clear()
                events = self.after(seen)
                if events is None:
                    seen, head = self._now()
                    yield Event(seen, "reset", {"cursor": str(head)}).encode()
                elif events:
                    seen = events[-1].id
                    for event in events:
                        yield event.encode()
                elif not await self._wait(me):
                    yield Event(seen, "heartbeat", {"cursor": str(self._head)}).encode()
        finally:
            with self._lock:
                self._streams.discard(me)

    async def poll(self, after: int | None, wait: float) -> tuple[list[Event], int]:
        """Events after ``after`` and the newest id, waiting up to ``wait`` s for one to come.

        ``after`` None (a client starting) answers at once with no events and the newest id.
        An id the ring no longer covers gets one ``reset`` event, as on the stream.
        """
        seen, head = self._now()
        if after is None:
            return [], seen
        me = _Stream(asyncio.get_running_loop())
        with self._lock:
            self._streams.add(me)
        deadline = time.monotonic() + wait
        try:
            while True:
                me.wake.clear()
                events = self.after(after)
                if events is None:
                    seen, head = self._now()
                    return [Event(seen, "reset", {"cursor": str(head)})], seen
                if events:
                    return events, events[-1].id
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return [], after
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(me.wake.wait(), min(left, self.poll_s))
                    continue
                await self._poll()
        finally:
            with self._lock:
                self._streams.discard(me)

    def _now(self) -> tuple[int, int]:
        """The newest event id and the head, read together."""
        with self._lock:
            return self._last_id, self._head

    async def _wait(self, me: _Stream) -> bool:
        """Wait for a wake-up (True) or a heartbeat's time (False), polling the head meanwhile."""
        deadline = time.monotonic() + self.heartbeat_s
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(me.wake.wait(), min(left, self.poll_s))
                return True
            await self._poll()
        return False

    async def _poll(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._polled < self.poll_s:
                return
            self._polled = now
        with contextlib.suppress(Exception):  # a closed or busy store: the next poll retries
            self.on_head(await run_in_threadpool(self._read_head))


def parse_last_event_id(raw: str | None) -> int | None:
    """The ``Last-Event-ID`` header as an int; absent or not a number → None (a fresh start)."""
    if raw and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 18:
        return int(raw.strip())
    return None


class EventStreamResponse(StreamingResponse):
    """``text/event-stream`` that ends as soon as the client disconnects.

    Starlette's own streaming response notices a vanished client only when a write fails
    (ASGI 2.4 servers); this one also listens for ``http.disconnect``.
    """

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes]) -> None:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(content, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def run_stream() -> None:
                with contextlib.suppress(OSError):
                    await self.stream_response(send)
                group.cancel_scope.cancel()

            group.start_soon(run_stream)
            await self.listen_for_disconnect(receive)
            group.cancel_scope.cancel()
