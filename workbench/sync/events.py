"""Live events from the core: ``GET /v1/events`` as server-sent events (SSE).

Example::

    async for event in stream_events(client, last_event_id=None):
        if event.type in ("change", "reset"):
            ...  # pull

The stream yields an ``open`` event once connected, then the core's :class:`Event` objects
until the connection ends; the caller reconnects with
``last_event_id`` set to the last id it saw (sent as ``Last-Event-ID``) so nothing is missed —
when the core no longer has those events it sends ``reset`` and the client simply pulls.
The core sends a heartbeat (or a ``: ping`` comment) every 15 s; a stream silent for
:data:`IDLE_TIMEOUT` seconds is taken as dead (httpx's read timeout is per chunk, which is
exactly an idle timeout here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from workbench.sync.client import SyncError, Unauthorized, Unreachable, token_rejected_message

EVENTS_PATH = "/v1/events"
OPEN = "open"  # not sent by the core: yielded once the stream is established
IDLE_TIMEOUT = 45.0
MAX_LINE = 1024 * 1024  # one event's data may not exceed this


@dataclass(frozen=True, slots=True)
class Event:
    id: str | None
    type: str
    data: str


class EventsUnsupported(SyncError):
    """The core has no ``/v1/events`` (404): the client falls back to polling."""


async def stream_events(
    client: httpx.AsyncClient,
    last_event_id: str | None = None,
    *,
    idle_timeout: float = IDLE_TIMEOUT,
) -> AsyncIterator[Event]:
    """Yield the core's events; raises :class:`SyncError` subclasses when the stream fails."""
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    timeout = httpx.Timeout(idle_timeout, connect=5.0)
    try:
        async with client.stream("GET", EVENTS_PATH, headers=headers, timeout=timeout) as response:
            _check_status(client, response)
            yield Event(None, OPEN, "")
            async for event in parse_stream(split_lines(response.aiter_text())):
                yield event
    except httpx.TimeoutException as exc:
        raise Unreachable(f"no event from {client.base_url} for {idle_timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise Unreachable(f"the event stream of {client.base_url} broke: {exc}") from exc
    raise Unreachable(f"the core at {client.base_url} closed the event stream")


def _check_status(client: httpx.AsyncClient, response: httpx.Response) -> None:
    status = response.status_code
    if status == 200:
        kind = response.headers.get("content-type", "")
        if not kind.startswith("text/event-stream"):
            raise SyncError(f"{client.base_url}{EVENTS_PATH} is not an event stream ({kind})")
        return
    if status == 401:
        raise Unauthorized(token_rejected_message(client))
    if status in (404, 405):
        raise EventsUnsupported(f"the core at {client.base_url} has no live events")
    if status >= 500 or status == 429:
        raise Unreachable(f"the core answered {status} for {EVENTS_PATH}")
    raise SyncError(f"the core answered {status} for {EVENTS_PATH}")


async def split_lines(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """Lines of a text stream (``\n``, ``\r\n`` or ``\r``), none longer than MAX_LINE."""
    buffer = ""
    async for chunk in chunks:
        text, held = buffer + chunk, ""
        if text.endswith("\r"):  # maybe the first half of a \r\n split across chunks
            text, held = text[:-1], "\r"
        *lines, buffer = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        buffer += held
        for line in lines:
            yield line
        if len(buffer) > MAX_LINE:
            raise SyncError("a line of the core's event stream is absurdly long")
    if buffer.rstrip("\r"):
        yield buffer.rstrip("\r")


async def parse_stream(lines: AsyncIterator[str]) -> AsyncIterator[Event]:
    """Events of an SSE text stream (the parts of the format the core uses)."""
    event_id: str | None = None
    event_type = ""
    data: list[str] = []
    size = 0
    async for line in lines:
        if line == "":
            if data or event_type:
                yield Event(event_id, event_type or "message", "\n".join(data))
            event_type, data, size = "", [], 0
            continue
        if line.startswith(":"):
            continue  # a comment: keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            size += len(value)
            if size > MAX_LINE:
                raise SyncError("an event from the core is absurdly large")
            data.append(value)
        elif name == "event":
            event_type = value[:100]
        elif name == "id" and "\0" not in value:
            event_id = value[:100] or None
