"""Sync against the real core (uvicorn on 127.0.0.1) through a transport that injects faults:
answers dropped *after* the core committed, 500s, garbage, truncated bodies, stalls, refused
connections. After the faults stop: the cache equals the core, record for record, and every
action had exactly one effect at the core."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from workbench.store import actions, outbox
from workbench.store.db import connect
from workbench.store.queries import borrower_view
from workbench.sync.client import SyncError, make_client
from workbench.sync.pull import pull
from workbench.sync.push import push

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
KINDS = ("drop_after", "500", "500_after", "garbage", "truncate", "stall", "refuse")


class FaultTransport(httpx.AsyncBaseTransport):
    """Forwards to the real core over loopback, then spoils the exchange as scripted.

    ``script`` is consumed first (one fault kind, or ``"ok"``, per request); after it, each
    request fails with probability ``rate`` in a kind drawn from :data:`KINDS`.
    """

    def __init__(self, script: list[str] | None = None, rate: float = 0.0, seed: int = 1):
        self.inner = httpx.AsyncHTTPTransport()
        self.script = list(script or [])
        self.rate = rate
        self.random = random.Random(seed)
        self.done: Counter[str] = Counter()

    def next_fault(self) -> str:
        if self.script:
            return self.script.pop(0)
        if self.random.random() < self.rate:
            return self.random.choice(KINDS)
        return "ok"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.next_fault()
        self.done[fault] += 1
        if fault == "refuse":
            raise httpx.ConnectError("connection refused (injected)")
        if fault == "500":
            return httpx.Response(500, json={"error": "internal"})
        response = await self.inner.handle_async_request(request)
        body = await response.aread()  # the core has answered: whatever it did is committed
        await response.aclose()
        if fault == "drop_after":
            raise httpx.ReadError("connection reset after the core committed (injected)")
        if fault == "500_after":
            return httpx.Response(502, text="<html>bad gateway</html>")
        if fault == "garbage":
            return httpx.Response(200, content=b"\x00\xffgarbage{[" + body[:20])
        if fault == "truncate":
            return httpx.Response(response.status_code, content=body[: len(body) // 2])
        if fault == "stall":
            await asyncio.sleep(30)  # longer than any deadline of the test
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"]
        return httpx.Response(response.status_code, headers=headers, content=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Clock:
    """The push clock: each round jumps far ahead, so every retry is due."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def sync_round(path: Path, url: str, transport: FaultTransport, clock: Clock):
    """One push and one pull through the faults; failures are survived, never raised."""
    async with make_client(url, transport=transport) as client:
        conn = connect(path)
        try:
            await push(conn, client, clock=clock, deadline=0.5)
            with contextlib.suppress(SyncError):
                await pull(conn, client, page_size=200, deadline=0.5)
        finally:
            conn.close()
    clock.now += 10_000


def take_actions(path: Path) -> list[actions.Action]:
    """Thirty actions of every kind the CLI offers, over six borrowers."""
    conn = connect(path)
    taken = []
    try:
        for (bid,) in conn.execute("SELECT id FROM borrower ORDER BY id LIMIT 6").fetchall():
            view = borrower_view(conn, bid, NOW.date())
            loan = next((lv.loan.id for lv in view.loans if lv.loan.status == "active"), None)
            taken.append(actions.add_note(conn, bid, f"备注 {bid} [b]", agent_id="A001", now=NOW))
            taken.append(actions.add_note(conn, bid, "第二条\n多行", agent_id="A001", now=NOW))
            taken.append(actions.escalate(conn, bid, "risk", "核实", agent_id="A001", now=NOW))
            taken.append(
                actions.schedule_callback(conn, bid, "2026-11-28T15:00", agent_id="A001", now=NOW)
            )
            if loan:
                taken.append(
                    actions.promise_to_pay(conn, loan, 10_000, "2026-12-01", agent_id="A001",
                                           now=NOW)
                )  # fmt: skip
            else:
                taken.append(actions.add_note(conn, bid, "无在贷", agent_id="A001", now=NOW))
    finally:
        conn.close()
    return taken


def assert_exactly_once(path: Path, core, taken: list[actions.Action]) -> None:
    conn = connect(path)
    try:
        statuses = Counter(outbox.get(conn, a.key).status for a in taken)
    finally:
        conn.close()
    assert statuses == {"confirmed": len(taken)}
    stats = httpx.get(f"{core.url}/v1/stats").json()
    assert stats["actions"]["applied"] == len(taken)  # none doubled, none lost
    for action in taken:
        assert core.store.get(action.entity, action.record_id) is not None


async def test_actions_and_feed_survive_faults_and_end_exactly_once(own_core, replica_check,
                                                                   tmp_path):  # fmt: skip
    core = own_core(borrowers=40, seed=3)
    path = tmp_path / "desk.db"
    await sync_round(path, core.url, FaultTransport(), Clock())
    taken = take_actions(path)
    # The first POSTs are answered and the answer is lost: the essential case.
    faults = FaultTransport(script=["drop_after"] * 4 + ["500_after", "stall", "garbage"],
                            rate=0.5, seed=7)  # fmt: skip
    clock = Clock()
    store = core.store
    for n in range(12):
        if n % 3 == 0:  # the core changes meanwhile: updates and deletes reach the feed
            borrower = store.get("borrower", f"B{n + 1:06d}")
            store.upsert("borrower", borrower["id"], borrower | {"employer": f"新单位 {n}"})
            payment = next(store.iter_records("payment"))[1]
            store.delete("payment", payment)
        await sync_round(path, core.url, faults, clock)
    assert faults.done["drop_after"] >= 4 and faults.done["stall"] >= 1
    faults.rate = 0.0  # the faults stop
    await sync_round(path, core.url, faults, clock)
    await sync_round(path, core.url, faults, clock)
    assert_exactly_once(path, core, taken)
    assert replica_check(core.url, path) == []


async def test_every_kind_of_broken_page_is_survived(own_core, replica_check, tmp_path):
    core = own_core(borrowers=20, seed=4)
    path = tmp_path / "desk.db"
    faults = FaultTransport(script=[k for k in KINDS for _ in (1, 2)])
    clock = Clock()
    for _ in range(len(KINDS) * 2 + 2):
        await sync_round(path, core.url, faults, clock)
    assert not faults.script
    assert replica_check(core.url, path) == []


async def test_a_compacted_feed_starts_the_cache_over_and_keeps_the_outbox(
    own_core, replica_check, tmp_path
):
    core = own_core(borrowers=20, seed=4)
    path = tmp_path / "desk.db"
    await sync_round(path, core.url, FaultTransport(), Clock())
    conn = connect(path)
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    offline = actions.add_note(conn, bid, "压缩前写的", agent_id="A001", now=NOW)
    store = core.store
    gone = next(store.iter_records("interaction"))[1]
    store.delete("interaction", gone)
    store.compact()  # the tombstone is forgotten: only a refill can learn of the delete
    async with make_client(core.url) as client:
        # Many pages: every page of the refill is below the horizon, in the new generation.
        result = await pull(conn, client, page_size=500)
        assert result.started_over == "cursor_gone"
        assert offline.record_id in {i for i in _ids(conn, "interaction")}  # still shown
        assert (await push(conn, client)).confirmed == 1
        await pull(conn, client)
    conn.close()
    assert replica_check(core.url, path) == []


async def test_a_different_core_behind_the_same_url_starts_the_cache_over(
    own_core, replica_check, tmp_path
):
    first, second = own_core(borrowers=20, seed=4), own_core(borrowers=20, seed=4)
    path = tmp_path / "desk.db"
    await sync_round(path, first.url, FaultTransport(), Clock())
    only_first = {"id": "Q-only-first", "name": "旧队列", "name_en": "old"}
    first.store.upsert("queue", "Q-only-first", only_first)  # a record the second core lacks
    await sync_round(path, first.url, FaultTransport(), Clock())
    conn = connect(path)
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    pending = actions.add_note(conn, bid, "换核心前写的", agent_id="A001", now=NOW)
    async with make_client(second.url) as client:
        result = await pull(conn, client)
        assert result.started_over == "different_core"
        assert pending.record_id in set(_ids(conn, "interaction"))
        assert (await push(conn, client)).confirmed == 1
        await pull(conn, client)
    conn.close()
    assert replica_check(second.url, path) == []
    assert second.store.get("interaction", pending.record_id)["notes"] == "换核心前写的"


def _ids(conn, entity: str) -> list[str]:
    return [row[0] for row in conn.execute(f"SELECT id FROM {entity}")]


@pytest.mark.parametrize("kind", ["garbage", "truncate", "stall", "500", "refuse"])
async def test_a_broken_answer_is_a_sync_error_the_client_survives(own_core, tmp_path, kind):
    core = own_core(borrowers=5, seed=1)
    faults = FaultTransport(script=["ok", "ok", kind])  # health, stats, then the first page
    async with make_client(core.url, transport=faults) as client:
        with pytest.raises(SyncError):
            await pull(tmp_path / "desk.db", client, deadline=0.5)
        result = await pull(tmp_path / "desk.db", client, deadline=0.5)
    assert result.applied > 0
