"""Feed cursors carry the compaction generation: a full sync after a compaction can page past
the horizon, an older generation below it is 410 ``cursor_gone``, plain decimal cursors keep
their old meaning, and no interleaving of writes, compactions and pages loses a deletion."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from workbench.core.app import BadRequest, build_app, render_page
from workbench.core.cursors import Cursor, cursor_problem, format_cursor, parse_cursor
from workbench.core.storage import CoreStore


@pytest.fixture
def store(tmp_path):
    store = CoreStore.open(tmp_path / "core.db")
    store.upsert_many(("queue", f"Q{n:03d}", {"id": f"Q{n:03d}", "n": n}) for n in range(40))
    yield store
    store.close()


@pytest.fixture
async def client(store):
    transport = httpx.ASGITransport(app=build_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as c:
        yield c


async def get(client, cursor, limit=5):
    params = {"limit": limit} if cursor is None else {"cursor": cursor, "limit": limit}
    return await client.get("/v1/changes", params=params)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [(None, Cursor(0, 0)), ("", Cursor(0, 0)), ("0", Cursor(0, 0)), ("17", Cursor(0, 17)),
     ("g2.17", Cursor(2, 17)), ("g1.0", Cursor(1, 0))],
)  # fmt: skip
def test_cursor_texts_parse_and_format_back(raw, parsed):
    assert parse_cursor(raw) == parsed
    if raw:
        assert format_cursor(parsed.generation, parsed.seq) == raw


@pytest.mark.parametrize(
    "raw", ["g", "g1.", "g.5", "gx.1", "g1.2.3", "G1.2", "-1", "1e3", " 1", "٣", "1" * 19]
)
async def test_anything_else_is_a_bad_cursor(client, raw):
    with pytest.raises(ValueError):
        parse_cursor(raw)
    response = await get(client, raw)
    assert response.status_code == 400 and response.json()["error"] == "bad_cursor"


def test_the_rule():
    # head 100, horizon 60, generation 2
    def rule(generation, seq):
        return cursor_problem(Cursor(generation, seq), 100, 60, 2)

    assert rule(0, 0) is rule(1, 0) is rule(5, 0) is None  # the start is always served
    assert rule(2, 1) is rule(2, 59) is rule(2, 100) is None  # the current generation
    assert rule(1, 59) == rule(0, 1) == "cursor_gone"  # older, below the horizon
    assert rule(1, 60) is rule(0, 99) is None  # older, at or above it
    assert rule(2, 101) == rule(3, 50) == "cursor_unknown"  # another store's


async def test_a_full_sync_after_compaction_pages_below_the_horizon(store, client):
    store.delete("queue", "Q005")
    store.compact()  # to the head: every record now sits below the horizon
    cursor, ids, pages = None, set(), 0
    while True:
        response = await get(client, cursor)
        assert response.status_code == 200, response.text
        page = response.json()
        ids |= {c["id"] for c in page["changes"] if c["op"] == "upsert"}
        cursor, pages = page["cursor"], pages + 1
        assert cursor.startswith("g1.") and len(cursor) <= 64
        if not page["more"]:
            break
    assert pages == 8 and len(ids) == 39 and "Q005" not in ids
    stats = (await client.get("/v1/stats")).json()
    health = (await client.get("/v1/health")).json()
    assert stats["cursor"] == health["cursor"] == cursor == f"g1.{store.head()}"
    assert stats["generation"] == 1 and stats["min_cursor"] == str(store.head())


async def test_an_older_generation_is_gone_below_the_horizon_and_served_above(store, client):
    first = (await get(client, None)).json()["cursor"]
    assert first == "5"  # never compacted: plain decimal cursors, as before
    store.compact(20)
    mid = (await get(client, "0")).json()["cursor"]
    assert mid == "g1.5"
    assert (await get(client, first)).json()["error"] == "cursor_gone"
    assert (await get(client, mid)).status_code == 200  # its own generation
    assert (await get(client, "25")).json()["cursor"] == "g1.30"  # plain, above the horizon
    store.upsert("queue", "Q999", {"id": "Q999"})
    store.compact(30)  # generation 2
    gone = await get(client, mid)
    assert gone.status_code == 410 and gone.json()["error"] == "cursor_gone"
    assert "g1.5" in gone.json()["message"] and "30" in gone.json()["message"]
    assert (await get(client, "g1.30")).json()["cursor"] == "g2.35"
    assert (await get(client, "g3.1")).json()["error"] == "cursor_unknown"
    assert store.compact(10)["min_cursor"] == 30 and store.generation() == 2  # not raised


def test_a_store_compacted_before_generations_counts_as_generation_1(store):
    store.set_meta("min_cursor", 20)  # what an earlier version's compaction left
    assert store.generation() == 1
    with pytest.raises(BadRequest) as gone:
        render_page(store, parse_cursor("10"), 5)
    assert gone.value.code == "cursor_gone"
    assert json.loads(render_page(store, parse_cursor("g1.10"), 5))["cursor"] == "g1.15"
    store.compact()
    assert store.generation() == 2


def _serve(store: CoreStore, cursor: str | None, limit: int) -> dict:
    return json.loads(render_page(store, parse_cursor(cursor), limit))


@pytest.mark.parametrize("seed", range(12))
def test_no_interleaving_of_writes_compactions_and_pages_loses_a_change(tmp_path, seed):
    """A model client pages through the feed while the core writes, deletes and compacts at
    random; on 410 it starts over. Whenever it has caught up, it holds exactly the core."""
    rnd = random.Random(seed)
    store = CoreStore.open(tmp_path / "core.db")
    store.upsert_many(("queue", f"Q{n}", {"id": f"Q{n}", "v": 0}) for n in range(30))
    held: dict[str, dict] = {}
    cursor: str | None = None
    restarts = caught_up = 0
    for step in range(400):
        roll = rnd.random()
        if roll < 0.45:
            try:
                page = _serve(store, cursor, rnd.randint(1, 4))
            except BadRequest as exc:
                assert exc.code == "cursor_gone"
                held, cursor, restarts = {}, None, restarts + 1
                continue
            for change in page["changes"]:
                if change["op"] == "delete":
                    held.pop(change["id"], None)
                else:
                    held[change["id"]] = change["data"]
            cursor = page["cursor"]
            if not page["more"]:
                caught_up += 1
                assert held == {id_: json.loads(d) for _, id_, d in store.iter_records()}
        elif roll < 0.7:
            n = rnd.randrange(45)
            store.upsert("queue", f"Q{n}", {"id": f"Q{n}", "v": step})
        elif roll < 0.9:
            store.delete("queue", f"Q{rnd.randrange(45)}")
        else:
            store.compact(rnd.randint(store.min_cursor(), store.head()))
    store.close()
    assert caught_up > 0
