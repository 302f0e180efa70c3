"""After `core compact` a cache of any size can be rebuilt: the client pages through a full
re-sync below the horizon (cursors carry the compaction generation), and a cache caught
mid-way by a later compaction gets 410, starts over keeping its outbox, and ends equal to the
core. Real core under uvicorn on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from workbench.store import actions
from workbench.store.apply import get_cursor
from workbench.store.db import connect
from workbench.sync.client import SyncError, make_client
from workbench.sync.pull import pull
from workbench.sync.push import push

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
PAGE = 50


class CutAfter(httpx.AsyncBaseTransport):
    """Forwards to the core over loopback; refuses every /v1/changes request after ``pages``."""

    def __init__(self, pages: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.pages = pages

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/changes":
            if self.pages <= 0:
                raise httpx.ConnectError("connection refused (the test cut the line)")
            self.pages -= 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def churn(store, n: int) -> None:
    """Updates and deletes, so the compaction has tombstones to forget."""
    for _, bid, _ in list(store.iter_records("borrower"))[:n]:
        store.upsert("borrower", bid, store.get("borrower", bid) | {"employer": "改过的单位"})
    for _, pid, _ in list(store.iter_records("payment"))[:n]:
        store.delete("payment", pid)


async def test_a_full_resync_after_compaction_to_the_head_pages_through(
    own_core, replica_check, tmp_path
):
    core = own_core(borrowers=20, seed=4)
    churn(core.store, 5)
    core.store.compact()  # to the head: every surviving record sits below the horizon
    path = tmp_path / "desk.db"
    async with make_client(core.url) as client:
        result = await pull(path, client, page_size=PAGE)
    total = sum(httpx.get(f"{core.url}/v1/stats").json()["entities"].values())
    assert result.started_over is None and result.pages >= total // PAGE >= 10
    assert replica_check(core.url, path) == []
    conn = connect(path)
    assert get_cursor(conn) == httpx.get(f"{core.url}/v1/health").json()["cursor"]
    assert get_cursor(conn) == f"g1.{core.store.head()}"
    conn.close()


async def test_a_cache_caught_mid_way_by_a_later_compaction_starts_over_keeping_its_outbox(
    own_core, replica_check, tmp_path
):
    core = own_core(borrowers=20, seed=4)
    store = core.store
    churn(store, 3)
    store.compact()  # generation 1
    path = tmp_path / "desk.db"
    async with make_client(core.url, transport=CutAfter(pages=6)) as client:
        with pytest.raises(SyncError):
            await pull(path, client, page_size=PAGE)  # six pages in, the line is cut
    conn = connect(path)
    cursor = get_cursor(conn)
    assert cursor.startswith("g1.") and int(cursor[3:]) < store.min_cursor()  # below it
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    offline = actions.add_note(conn, bid, "压缩期间写的", agent_id="A001", now=NOW)
    held = conn.execute("SELECT id FROM payment LIMIT 1").fetchone()[0]
    store.delete("payment", held)  # a record the cache already has …
    store.compact()  # … is deleted and its tombstone forgotten: generation 2
    async with make_client(core.url) as client:
        result = await pull(conn, client, page_size=PAGE)
        assert result.started_over == "cursor_gone" and result.pages > 10
        shown = {r[0] for r in conn.execute("SELECT id FROM interaction")}
        assert offline.record_id in shown  # the unconfirmed note is still on the desk
        assert (await push(conn, client)).confirmed == 1
        await pull(conn, client, page_size=PAGE)
    assert conn.execute("SELECT 1 FROM payment WHERE id = ?", (held,)).fetchone() is None
    assert get_cursor(conn).startswith("g2.")
    conn.close()
    assert replica_check(core.url, path) == []
    assert store.get("interaction", offline.record_id)["notes"] == "压缩期间写的"
