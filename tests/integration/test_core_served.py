"""The core under a real uvicorn on 127.0.0.1: live events, resume, shutdown, concurrent actions."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date

import httpx
import pytest
import uvicorn

from workbench.core.app import build_app
from workbench.core.portfolio import open_portfolio
from workbench.core.server import CoreServer
from workbench.core.storage import CoreStore

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("served-template") / "core.db"
    open_portfolio(path, 10, 3, AS_OF).close()
    return str(path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A core app served in a thread; ``url``, ``app``, ``store``, ``server``, ``thread``."""

    def __init__(self, app, server_class: type[uvicorn.Server]) -> None:
        self.app = app
        self.store: CoreStore = app.state.store
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = server_class(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> float:
        """Ask the server to exit; returns how long it took to stop."""
        started = time.monotonic()
        self.server.should_exit = True
        self.thread.join(timeout)
        return time.monotonic() - started


@pytest.fixture
def serve(template, tmp_path) -> Iterator:
    running: list[Served] = []

    def start(server_class=CoreServer, **options) -> Served:
        path = tmp_path / f"core-{len(running)}.db"
        shutil.copy(template, path)
        served = Served(build_app(CoreStore.open(path), **options), server_class).start()
        running.append(served)
        return served

    yield start
    for served in running:
        served.app.state.events.close()
        served.stop()
        served.store.close()


class EventReader:
    """Parsed server-sent events from a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, timeout: float = 2.0) -> dict:
        """The next event with a type: ``{"id": int, "event": str, "data": dict}``."""
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> dict:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif "event" in fields:
                return {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                }
            else:
                fields = {}
        raise EOFError("the stream ended")


@asynccontextmanager
async def events(url: str, last_event_id: int | None = None) -> AsyncIterator[EventReader]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as client,
        client.stream("GET", "/v1/events", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.monotonic()
    yield box
    box.append(time.monotonic() - started)


def agent(n: int) -> dict:
    return {"id": f"A9{n:02d}", "name": "测试", "role": "agent", "queues": []}


async def test_a_write_reaches_an_open_stream_within_a_second(serve):
    core = serve()
    async with events(core.url) as reader:
        hello = await reader.next()
        assert hello["event"] == "change" and hello["data"] == {"cursor": str(core.store.head())}
        with timed() as took:
            seq = await asyncio.to_thread(core.store.upsert, "agent", "A901", agent(1))
            change = await reader.next()
        assert change == {"id": hello["id"] + 1, "event": "change", "data": {"cursor": str(seq)}}
        assert took[0] < 1.0
        body = {
            "type": "note",
            "id": "N-live",
            "borrower_id": "B000001",
            "agent_id": "A001",
            "created_at": "2026-11-27T02:00:00Z",
            "payload": {"text": "实时"},
        }
        async with httpx.AsyncClient(base_url=core.url) as client:
            posted = await client.post("/v1/actions", json=body, headers={"Idempotency-Key": "k"})
        after_action = await reader.next()
        assert after_action["data"] == {"cursor": str(posted.json()["seq"])}


async def test_a_client_resumes_after_its_last_event_id(serve):
    core = serve()
    async with events(core.url) as reader:
        last = (await reader.next())["id"]
    for n in range(3):
        core.store.upsert("agent", f"A90{n}", agent(n))
    async with events(core.url, last) as reader:
        resumed = await reader.next()  # three changes while away: the newest stands for them
        assert resumed == {
            "id": last + 3,
            "event": "change",
            "data": {"cursor": str(core.store.head())},
        }
    async with events(core.url, last + 3) as reader:
        core.store.upsert("agent", "A909", agent(9))
        assert (await reader.next())["id"] == last + 4


async def test_an_event_id_the_ring_no_longer_holds_gets_a_reset(serve):
    core = serve(ring_size=2)
    async with events(core.url) as reader:
        last = (await reader.next())["id"]
    for n in range(5):
        core.store.upsert("agent", f"A90{n}", agent(n))
    head = str(core.store.head())
    for stale in (last, last - 10**9, last + 10**9):  # too old, an earlier run, a later run
        async with events(core.url, stale) as reader:
            reset = await reader.next()
            assert reset == {"id": last + 5, "event": "reset", "data": {"cursor": head}}


async def test_an_idle_stream_gets_heartbeats(serve):
    core = serve(heartbeat_s=0.2)
    async with events(core.url) as reader:
        hello = await reader.next()
        beat = await reader.next(timeout=1.0)
        assert beat == {"id": hello["id"], "event": "heartbeat", "data": hello["data"]}


async def test_writes_by_another_process_are_noticed_by_polling(serve):
    core = serve(poll_s=0.1, heartbeat_s=5)
    async with events(core.url) as reader:
        await reader.next()
        other = CoreStore.open(core.store.path)  # another writer: no hook into this app
        seq = other.upsert("agent", "A901", agent(1))
        other.close()
        assert (await reader.next(timeout=1.0))["data"] == {"cursor": str(seq)}


async def test_a_stream_ends_on_the_server_when_its_client_leaves(serve):
    core = serve(uvicorn.Server, heartbeat_s=60)  # no write would reveal the lost client
    hub = core.app.state.events
    async with events(core.url) as reader:
        await reader.next()
        assert hub.streams == 1
    deadline = time.monotonic() + 2
    while hub.streams and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert hub.streams == 0


async def test_shutdown_does_not_wait_for_open_streams(serve):
    core = serve(heartbeat_s=60)
    async with events(core.url) as first, events(core.url) as second:
        await first.next()
        await second.next()
        took = await asyncio.to_thread(core.stop)
        assert not core.thread.is_alive() and took < 2.0
        for reader in (first, second):
            with pytest.raises((EOFError, httpx.RemoteProtocolError)):
                await reader.next()


def note(key_no: int) -> dict:
    return {
        "type": "note",
        "id": f"N-{key_no}-{uuid.uuid4().hex[:8]}",
        "borrower_id": f"B{1 + key_no % 10:06d}",
        "agent_id": "A001",
        "created_at": "2026-11-27T02:00:00Z",
        "payload": {"text": f"第{key_no}条"},
    }


async def test_concurrent_requests_with_one_key_have_one_effect_through_uvicorn(serve):
    core = serve()
    head = core.store.head()
    body, key = note(0), str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=core.url, timeout=10) as client:
        answers = await asyncio.gather(
            *(client.post("/v1/actions", json=body, headers={"Idempotency-Key": key})
              for _ in range(32))
        )  # fmt: skip
        statuses = [r.status_code for r in answers]
        assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}
        retry = await client.post("/v1/actions", json=body, headers={"Idempotency-Key": key})
        stats = (await client.get("/v1/stats")).json()
    assert retry.status_code == 200 and retry.json()["seq"] == head + 1
    assert stats["actions"]["applied"] == 1 and stats["cursor"] == str(head + 1)


async def test_many_agents_acting_at_once_each_get_exactly_one_effect(serve):
    core = serve()
    head, count = core.store.head(), 100
    bodies = [(str(uuid.uuid4()), note(n)) for n in range(count)]
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=core.url, timeout=30, limits=limits) as client:

        async def send(key: str, body: dict) -> int:
            return (
                await client.post("/v1/actions", json=body, headers={"Idempotency-Key": key})
            ).status_code

        started = time.perf_counter()
        first = await asyncio.gather(*(send(k, b) for k, b in bodies))
        rate = count / (time.perf_counter() - started)
        replays = await asyncio.gather(*(send(k, b) for k, b in bodies[::10]))
    assert first == [201] * count and replays == [200] * len(replays)
    assert core.store.head() == head + count
    print(f"\nactions through uvicorn, httpx client in the same process: {rate:,.0f}/s")
