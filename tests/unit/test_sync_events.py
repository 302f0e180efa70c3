"""Reading the core's server-sent events: the parts of the format the core uses, and limits."""

from __future__ import annotations

import httpx
import pytest

from workbench.sync.client import SyncError, Unauthorized, Unreachable, make_client
from workbench.sync.events import (
    MAX_LINE,
    OPEN,
    Event,
    EventsUnsupported,
    parse_stream,
    split_lines,
    stream_events,
)


async def chunks(*parts: str):
    for part in parts:
        yield part


async def events_of(*parts: str) -> list[Event]:
    return [e async for e in parse_stream(split_lines(chunks(*parts)))]


async def test_events_with_ids_types_and_data():
    got = await events_of(
        "retry: 2000\n\n",
        'id: 7\nevent: change\ndata: {"cursor": "12"}\n\n',
        ": ping\n\n",
        "id: 8\nevent: heartbeat\ndata: {}\n\n",
    )
    assert got == [Event("7", "change", '{"cursor": "12"}'), Event("8", "heartbeat", "{}")]


async def test_lines_split_anywhere_and_any_line_ending():
    got = await events_of("id: 1\r", "\nevent: cha", "nge\r\ndata: a\r\ndata: b\r", "\n\r\n")
    assert got == [Event("1", "change", "a\nb")]


async def test_the_last_id_carries_over_to_events_without_one():
    got = await events_of("id: 5\nevent: change\ndata: x\n\nevent: reset\ndata: y\n\n")
    assert [e.id for e in got] == ["5", "5"]


async def test_an_endless_line_is_refused():
    with pytest.raises(SyncError, match="absurdly long"):
        await events_of("data: " + "x" * (MAX_LINE + 10))


def mock(handler) -> httpx.AsyncClient:
    return make_client("http://core", transport=httpx.MockTransport(handler))


async def test_the_stream_opens_sends_last_event_id_and_ends_as_unreachable():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        body = b'id: 9\nevent: change\ndata: {"cursor": "3"}\n\n'
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    got = []
    async with mock(handler) as client:
        with pytest.raises(Unreachable, match="closed the event stream"):
            async for event in stream_events(client, "8"):
                got.append(event)
    assert seen["last-event-id"] == "8" and seen["accept"] == "text/event-stream"
    assert [e.type for e in got] == [OPEN, "change"]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(404, json={"error": "not_found"}), EventsUnsupported),
        (httpx.Response(401, json={"error": "unauthorized"}), Unauthorized),
        (httpx.Response(502, text="bad gateway"), Unreachable),
        (httpx.Response(200, json={"not": "sse"}), SyncError),
    ],
)
async def test_a_stream_that_cannot_open_says_why(response, error):
    async with mock(lambda request: response) as client:
        with pytest.raises(error):
            async for _ in stream_events(client):
                pass
