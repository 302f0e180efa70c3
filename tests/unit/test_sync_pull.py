"""Pulling the change feed: whole feed, resumption, progress, and failures in plain words."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest

from workbench.store.apply import get_cursor
from workbench.store.db import connect
from workbench.store.queries import cache_stats, lookup
from workbench.sync.client import SyncError, make_client
from workbench.sync.pull import pull, pull_from


@pytest.fixture
def small_core(tmp_path: Path):
    """A core of 20 borrowers of its own, which a test may change."""
    from workbench.core import create_app

    return create_app(tmp_path / "core.db", borrowers=20, seed=3, as_of=date(2026, 11, 27))


async def core_stats(app) -> dict:
    async with make_client("http://core", transport=httpx.ASGITransport(app=app)) as client:
        return (await client.get("/v1/stats")).json()


async def pull_app(path: Path, app, **kw):
    async with make_client("http://core", transport=httpx.ASGITransport(app=app)) as client:
        return await pull(path, client, **kw)


def same_counts(cache: dict, core: dict) -> bool:
    """The cache's entity counts and cursor equal the core's /v1/stats."""
    return (cache["entities"], cache["cursor"]) == (core["entities"], core["cursor"])


def test_demo_cache_holds_exactly_what_the_core_has(demo_cache: Path, demo_core_app):
    expected = asyncio.run(core_stats(demo_core_app))
    stats = cache_stats(connect(demo_cache, readonly=True))
    assert same_counts(stats, expected)
    assert stats["quarantined"] == 0


async def test_pull_resumes_from_the_stored_cursor(cache_path: Path, small_core):
    first = await pull_app(cache_path, small_core, page_size=50)
    assert first.applied == sum((await core_stats(small_core))["entities"].values())
    assert first.pages > 1
    again = await pull_app(cache_path, small_core)
    assert (again.applied, again.cursor) == (0, first.cursor)
    store = small_core.state.store
    borrower = store.get("borrower", "B000001")
    store.upsert("borrower", "B000001", borrower | {"name": "欧阳娜娜"})
    store.delete("interaction", next(iter(store.iter_records("interaction")))[1])
    third = await pull_app(cache_path, small_core)
    assert third.applied == 2
    conn = connect(cache_path)
    assert [h.borrower_id for h in lookup(conn, "欧阳娜娜")] == ["B000001"]
    assert same_counts(cache_stats(conn), await core_stats(small_core))


async def test_progress_counts_up_to_the_estimate(cache_path: Path, small_core):
    seen: list[tuple[int, int | None]] = []
    result = await pull_app(
        cache_path, small_core, page_size=100, progress=lambda *a: seen.append(a)
    )
    assert seen[0] == (0, result.total_estimate)
    assert seen[-1] == (result.applied, result.total_estimate) == (result.applied, result.applied)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_pull_in_a_thread_with_its_own_event_loop(cache_path: Path, small_core):
    """How the desk runs it: a worker thread, ``asyncio.run``, the core in-process."""
    results = []

    def worker() -> None:
        transport = httpx.ASGITransport(app=small_core)
        results.append(asyncio.run(pull_from(cache_path, "http://core", transport=transport)))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=60)
    assert results and results[0].applied > 0
    assert get_cursor(connect(cache_path)) == results[0].cursor


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nobody listens


async def test_core_not_running_is_a_clear_error(cache_path: Path):
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(SyncError, match=r"cannot reach the core at http://127\.0\.0\.1.*running"):
        await pull_from(cache_path, url)


def fake_core(handler) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="Internal Server Error"), "answered 500"),
        (httpx.Response(200, text="<html>hello</html>"), "not JSON"),
        (httpx.Response(200, json={"hello": "world"}), "without changes/cursor/more"),
        (httpx.Response(401, json={"error": "unauthorized"}), "token rejected"),
        (httpx.Response(403, json={"error": "forbidden"}), "refused access"),
    ],
)
async def test_core_failures_are_named(cache_path: Path, response, message):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/stats":
            return httpx.Response(200, json={"entities": {"borrower": 1}, "cursor": "1"})
        return response

    with pytest.raises(SyncError, match=message):
        await pull_from(cache_path, "http://core", transport=fake_core(handler))


async def test_a_cursor_the_core_no_longer_knows_starts_the_cache_over(cache_path, small_core):
    await pull_app(cache_path, small_core)
    conn = connect(cache_path)
    from workbench.store.apply import set_state
    from workbench.store.db import write_transaction

    with write_transaction(conn):
        set_state(conn, "cursor", "999999999")
        conn.execute("DELETE FROM borrower WHERE id = 'B000002'")  # a gap only a refill mends
    result = await pull_app(cache_path, small_core)
    assert result.started_over == "cursor_gone"
    assert same_counts(cache_stats(conn), await core_stats(small_core))


async def test_a_bad_record_is_quarantined_and_the_pull_goes_on(cache_path: Path):
    good = {"seq": 1, "entity": "queue", "op": "upsert", "id": "Q1",
            "data": {"id": "Q1", "name": "还款咨询", "name_en": "Repayment"}}  # fmt: skip
    bad = {"seq": 2, "entity": "borrower", "op": "upsert", "id": "B1", "data": {"id": "B1"}}
    later = {"seq": 3, "entity": "queue", "op": "upsert", "id": "Q2",
             "data": {"id": "Q2", "name": "投诉", "name_en": "Complaints"}}  # fmt: skip
    pages = {"": ([good], "1", True), "1": ([bad, later], "3", False)}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/stats":
            return httpx.Response(200, json={"entities": {"queue": 2}, "cursor": "3"})
        if request.url.path == "/v1/health":
            return httpx.Response(200, json={"status": "ok"})
        changes, cursor, more = pages[request.url.params.get("cursor", "")]
        return httpx.Response(200, json={"changes": changes, "cursor": cursor, "more": more})

    result = await pull_from(cache_path, "http://core", transport=fake_core(handler))
    assert result.applied == 2
    conn = connect(cache_path)
    assert get_cursor(conn) == "3"
    stats = cache_stats(conn)
    assert (stats["entities"]["queue"], stats["entities"]["borrower"]) == (2, 0)
    assert stats["quarantined"] == 1
    (kept,) = conn.execute("SELECT seq, entity, record_id, reason FROM quarantine").fetchall()
    assert kept[:3] == ("2", "borrower", "B1")
    assert "missing field name" in kept[3]


async def test_without_quarantine_a_bad_record_stops_the_pull_after_the_last_good_page(
    cache_path: Path,
):
    good = {"seq": 1, "entity": "queue", "op": "upsert", "id": "Q1",
            "data": {"id": "Q1", "name": "还款咨询", "name_en": "Repayment"}}  # fmt: skip
    bad = {"seq": 2, "entity": "borrower", "op": "upsert", "id": "B1", "data": {"id": "B1"}}
    pages = {"": ([good], "1", True), "1": ([bad], "2", False)}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/stats":
            return httpx.Response(200, json={"entities": {"queue": 1}, "cursor": "2"})
        if request.url.path == "/v1/health":
            return httpx.Response(200, json={"status": "ok"})
        changes, cursor, more = pages[request.url.params.get("cursor", "")]
        return httpx.Response(200, json={"changes": changes, "cursor": cursor, "more": more})

    async with make_client("http://core", transport=fake_core(handler)) as client:
        with pytest.raises(SyncError, match=r"cannot store.*B1.*missing"):
            await pull(cache_path, client, on_bad_record=None)
    conn = connect(cache_path)
    assert get_cursor(conn) == "1"
    assert cache_stats(conn)["entities"]["queue"] == 1


def all_keys(conn) -> list[tuple]:
    return conn.execute("SELECT key, borrower_id, kind FROM search_key ORDER BY 1, 2, 3").fetchall()


async def test_a_first_sync_builds_its_search_keys_at_the_end(cache_path: Path, small_core):
    from workbench.store.keys import is_staging, rebuild_search_keys

    real = httpx.ASGITransport(app=small_core)
    calls = {"pages": 0}

    async def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/changes":
            calls["pages"] += 1
            if calls["pages"] == 3:
                raise httpx.ConnectError("the line dropped")
        return await real.handle_async_request(request)

    async with make_client("http://core", transport=httpx.MockTransport(flaky)) as client:
        with pytest.raises(SyncError):
            await pull(cache_path, client, page_size=200)
    conn = connect(cache_path)
    assert is_staging(conn) and get_cursor(conn) is not None
    assert all_keys(conn) == []  # keys wait for the end of the first sync
    await pull_app(cache_path, small_core, page_size=200)
    assert not is_staging(conn)
    built = all_keys(conn)
    name = small_core.state.store.get("borrower", "B000007")["name"]
    assert "B000007" in [h.borrower_id for h in lookup(conn, name, limit=500)]
    rebuild_search_keys(conn)
    assert all_keys(conn) == built
    assert conn.execute("SELECT count(*) FROM search_key_staged").fetchone()[0] == 0


def test_a_record_sent_twice_in_a_first_sync_keeps_only_its_last_keys(cache_path: Path, feed):
    from workbench.store.apply import apply_page
    from workbench.store.keys import begin_staging, finish_staging

    conn = connect(cache_path)
    from workbench.store.db import write_transaction

    with write_transaction(conn):
        begin_staging(conn)
    apply_page(conn, [feed.borrower("B1")], "1", stage_keys=True)
    apply_page(conn, [feed.borrower("B1", name="李娜")], "2", stage_keys=True)
    apply_page(conn, [feed.borrower("B2"), feed.delete("borrower", "B2")], "4", stage_keys=True)
    assert lookup(conn, "李娜") == []
    finish_staging(conn)
    assert [h.borrower_id for h in lookup(conn, "李娜")] == ["B1"]
    assert lookup(conn, "张伟") == []  # neither B1's old name nor the deleted B2
