"""The core's feed over time: compaction horizon (410 cursor_gone), store identity, write hooks."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli.core_cmds import core
from workbench.core.app import build_app
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore

AS_OF = date(2026, 11, 27)


@pytest.fixture
def store(tmp_path):
    store = open_portfolio(tmp_path / "core.db", 5, 3, AS_OF)
    yield store
    store.close()


@pytest.fixture
async def client(store):
    transport = httpx.ASGITransport(app=build_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as c:
        yield c


def some_ids(store: CoreStore, entity: str, n: int) -> list[str]:
    return [id_ for _, id_, _ in store.iter_records(entity)][:n]


async def test_a_cursor_below_the_horizon_is_gone_and_at_or_above_it_is_served(store, client):
    old_cursor = store.head()
    for id_ in some_ids(store, "interaction", 3):
        store.delete("interaction", id_)
    horizon = store.head()
    result = store.compact()
    assert result == {"min_cursor": horizon, "tombstones_removed": 2}  # the head row stays
    gone = await client.get("/v1/changes", params={"cursor": old_cursor})
    assert gone.status_code == 410
    assert gone.json()["error"] == "cursor_gone" and str(horizon) in gone.json()["message"]
    assert (await client.get("/v1/changes", params={"cursor": horizon})).status_code == 200
    assert (await client.get("/v1/changes", params={"cursor": 0})).status_code == 200
    ahead = await client.get("/v1/changes", params={"cursor": horizon + 1})
    assert ahead.json()["error"] == "cursor_unknown"
    stats = (await client.get("/v1/stats")).json()
    assert stats["min_cursor"] == str(horizon) and stats["cursor"] == f"g1.{horizon}"


async def test_compaction_never_reuses_seq_numbers(store, client):
    [victim] = some_ids(store, "payment", 1)
    dead = store.delete("payment", victim)
    store.compact()
    assert store.head() == dead  # the newest tombstone is kept
    seq = store.upsert(
        "agent", "A900", {"id": "A900", "name": "新人", "role": "agent", "queues": []}
    )
    assert seq == dead + 1
    page = (await client.get("/v1/changes", params={"cursor": dead})).json()
    assert [c["id"] for c in page["changes"]] == ["A900"]


def test_the_horizon_only_goes_up_and_never_past_the_head(store):
    head = store.head()
    assert store.compact(10)["min_cursor"] == 10
    assert store.compact(5)["min_cursor"] == 10
    with pytest.raises(ValueError, match="between 0 and the head"):
        store.compact(head + 1)


async def test_the_store_id_names_one_store_file_for_good(tmp_path, store, client):
    health = (await client.get("/v1/health")).json()
    stats = (await client.get("/v1/stats")).json()
    page = await client.get("/v1/changes", params={"limit": 1})
    assert health["store_id"] == stats["store_id"] == page.headers["workbench-store-id"]
    assert len(health["store_id"]) == 32
    again = CoreStore.open(store.path)
    assert again.store_id() == health["store_id"]
    again.close()
    other = open_portfolio(tmp_path / "rebuilt.db", 5, 3, AS_OF)
    assert other.head() == store.head() and other.store_id() != health["store_id"]
    other.close()


def test_every_write_that_moves_the_head_is_announced_once(store):
    heads: list[int] = []
    store.add_listener(heads.append)
    first = store.upsert("agent", "A900", {"id": "A900"})
    assert store.delete("agent", "nobody") is None
    gone = store.delete("agent", "A900")
    store.upsert_many([("agent", f"A9{n:02d}", {"id": f"A9{n:02d}"}) for n in range(5)], batch=2)
    with store.write() as w:
        w.conn.execute("SELECT 1")  # a transaction that writes no record announces nothing
    store.compact()
    assert heads == [first, gone, gone + 2, gone + 4, gone + 5]


def test_cli_compact_raises_the_horizon_and_reports(tmp_path, store):
    store.delete("interaction", some_ids(store, "interaction", 1)[0])
    head = store.head()
    store.close()
    result = CliRunner().invoke(core, ["compact", "--store", str(store.path), "--to", "100"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["min_cursor"] == 100 and report["cursor"] == head
    assert report["keys_forgotten"] == 0
    too_far = CliRunner().invoke(core, ["compact", "--store", str(store.path), "--to", "10000000"])
    assert too_far.exit_code != 0 and "between 0 and the head" in too_far.output


async def test_a_page_is_zstd_for_a_client_that_accepts_it_and_plain_for_one_that_does_not(
    client,
):
    import zstandard

    plain = await client.get("/v1/changes?limit=50", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/v1/changes?limit=50", headers={"Accept-Encoding": "gzip, zstd"})
    refused = await client.get("/v1/changes?limit=50", headers={"Accept-Encoding": "zstd;q=0"})
    assert "content-encoding" not in plain.headers and "content-encoding" not in refused.headers
    assert packed.headers["content-encoding"] == "zstd"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.content == plain.content == refused.content  # httpx decodes it
    async with client.stream("GET", "/v1/changes?limit=50") as raw:  # httpx asks for zstd
        wire = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert len(wire) < len(plain.content) / 3
    assert zstandard.ZstdDecompressor().decompress(wire) == plain.content


@pytest.mark.parametrize(
    ("header", "accepted"),
    [("zstd", True), ("gzip, deflate, zstd", True), ("ZSTD;q=0.5", True), ("zstd;q=0", False),
     ("zstd;q=x", False), ("gzip", False), (None, False), ("", False), ("zstdx", False)],
)  # fmt: skip
def test_accept_encoding_is_read_as_http_says(header, accepted):
    from workbench.core.feed_encoding import accepts_zstd

    assert accepts_zstd(header) is accepted
