"""The desk's background sync against the real core under uvicorn, through a TCP proxy that can
cut every connection or refuse new ones: changes arrive live over server-sent events, the stream
resumes with Last-Event-ID, an outage shows as offline and heals by itself."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbench.store import actions, outbox
from workbench.store.db import connect
from workbench.store.queries import get_borrower
from workbench.sync.runner import SyncRunner, SyncState

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class TcpProxy:
    """127.0.0.1:port → the core; ``cut()`` closes every open connection, ``refuse`` turns new
    connections away; ``upstream`` keeps what clients sent (to see their headers)."""

    def __init__(self, target: str) -> None:
        host, _, port = target.removeprefix("http://").partition(":")
        self.target = (host, int(port))
        self.refuse = False
        self.upstream = bytearray()
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self.cut()  # the core's server then has no open connection to wait for
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        done = threading.Event()

        def close_all() -> None:
            for writer in list(self._writers):
                writer.transport.abort()
            done.set()

        self._loop.call_soon_threadsafe(close_all)
        done.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pump(src, dst, log: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if log:
                        self.upstream += chunk
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
        self._writers -= {writer, up_writer}


def wait_for(predicate, timeout: float = 20.0) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)
    return time.monotonic() - started


def name_in_cache(path: Path, borrower_id: str) -> str | None:
    conn = connect(path)
    try:
        found = get_borrower(conn, borrower_id)
        return found.name if found else None
    finally:
        conn.close()


@pytest.fixture
def live(own_core, tmp_path: Path):
    core = own_core(borrowers=20, seed=2, heartbeat_s=1.0, poll_s=0.2)
    with TcpProxy(core.url) as proxy:
        path = tmp_path / "desk.db"
        runner = SyncRunner(path, proxy.url, pull_interval=1.0, push_interval=5.0)
        runner.start()
        wait_for(lambda: runner.status.state == SyncState.LIVE and runner.status.events)
        try:
            yield core, proxy, runner, path
        finally:
            runner.stop()
    assert runner.error is None


def test_a_change_at_the_core_arrives_within_a_second_while_live(live):
    core, _, runner, path = live
    runner._follower.pull_interval = 30.0  # only the event stream can bring it this fast
    time.sleep(1.2)  # let the current interval end
    borrower = core.store.get("borrower", "B000003")
    core.store.upsert("borrower", "B000003", borrower | {"name": "欧阳娜娜"})
    took = wait_for(lambda: name_in_cache(path, "B000003") == "欧阳娜娜", timeout=25)
    assert took < 15  # typically ~0.05 s; the next pull is 30 s away, so the event brought it


def test_a_cut_stream_resumes_with_last_event_id_and_misses_nothing(live):
    core, proxy, runner, path = live
    proxy.upstream.clear()
    proxy.cut()
    borrower = core.store.get("borrower", "B000004")
    core.store.upsert("borrower", "B000004", borrower | {"name": "司马相如"})
    wait_for(lambda: name_in_cache(path, "B000004") == "司马相如")
    wait_for(lambda: runner.status.events)
    assert b"last-event-id:" in bytes(proxy.upstream).lower()


def test_an_outage_is_offline_and_heals_delivering_what_was_typed(live):
    core, proxy, runner, path = live
    proxy.refuse = True
    proxy.cut()
    wait_for(lambda: runner.status.state == SyncState.OFFLINE)
    conn = connect(path)
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    action = actions.add_note(conn, bid, "断线时记下的", agent_id="A001", now=NOW)
    runner.poke()
    wait_for(lambda: runner.status.pending == 1)
    proxy.refuse = False
    wait_for(lambda: runner.status.state == SyncState.LIVE and runner.status.events)
    wait_for(lambda: outbox.get(conn, action.key).status == "confirmed")
    assert core.store.get("interaction", action.record_id)["notes"] == "断线时记下的"
    conn.close()
