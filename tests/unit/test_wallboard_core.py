"""The wallboard on the reference core: supervisors only, figures from the ACD, queue.stats."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from manual_clock import ManualClock

from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.auth import Identity, digest
from workbench.core.storage import CoreStore

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TOKENS = {"tok-sup": Identity("S001", "supervisor"), "tok-a1": Identity("A001", "agent")}


@pytest.fixture
async def app(core_template, tmp_path):
    path = tmp_path / "core.db"
    shutil.copy(core_template, path)
    store = CoreStore.open(path)
    tokens = {digest(t): who for t, who in TOKENS.items()}
    config = AcdConfig(colleagues=0, humans=("A001",))
    app = build_app(store, tokens=tokens, acd=config, acd_clock=ManualClock(T0))
    yield app
    await app.state.shutdown()  # the routes start the ticks: stop them before the store closes


def client(app, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://core.test",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_agent_token_is_refused_with_a_clear_message(app):
    async def go():
        async with client(app, "tok-a1") as c:
            return await c.get("/v1/wallboard")

    r = asyncio.run(go())
    assert r.status_code == 403
    assert r.json()["error"] == "supervisor_only"
    assert "supervisor" in r.json()["message"] and "主管" in r.json()["message"]


def test_supervisor_snapshot_has_every_queue_and_the_total(app):
    async def go():
        async with client(app, "tok-sup") as c:
            r = await c.get("/v1/wallboard")
            await app.state.wallboard.stop()
            await app.state.calls.stop()
            return r

    r = asyncio.run(go())
    assert r.status_code == 200
    body = r.json()
    queues = {q["queue_id"] for q in body["queues"]}
    assert queues == {"repayment", "overdue", "lien_release", "complaints"}
    assert body["total"]["queue_id"] == "*" and body["total"]["offered"] == 0
    assert body["total"]["service_level"] is None  # no calls: no division by zero
    assert {"agents", "escalations", "callbacks", "alerts", "trend"} <= set(body)


def test_a_burst_turns_into_queue_stats_and_a_waiting_alert(app):
    wall = app.state.wallboard
    acd = app.state.calls.build()
    clock = app.state.calls.clock
    wall.round(clock())
    for n in range(7):
        acd.inject(f"1391234{n:04d}", "overdue", clock.now)
    clock.now += timedelta(seconds=30)
    stats = wall.round(clock())
    rows = {r["queue_id"]: r for r in stats["rows"]}
    assert rows["overdue"]["waiting"] == 7 and rows["overdue"]["longest_wait_s"] == 30
    assert rows["*"]["waiting"] == 7
    assert [(a["rule"], a["subject"]) for a in stats["alerts"]] == [("waiting", "overdue")]


def test_queue_stats_reach_the_poll_endpoint(app):
    async def go():
        async with client(app, "tok-sup") as c:
            first = (await c.get("/v1/events/poll")).json()["last_id"]
            await c.get("/v1/wallboard")  # starts the board's task
            acd = app.state.calls.build()
            acd.inject("13912340000", "repayment", app.state.calls.clock())
            seen = []
            for _ in range(20):
                r = await c.get("/v1/events/poll", params={"after": first, "wait": 1})
                body = r.json()
                first = body["last_id"]
                seen += [e for e in body["events"] if e["event"] == "queue.stats"]
                if any(
                    "rows" in e["data"] and any(row["waiting"] for row in e["data"]["rows"])
                    for e in seen
                ):
                    break
            await app.state.wallboard.stop()
            await app.state.calls.stop()
            return seen

    seen = asyncio.run(go())
    assert any(
        row["queue_id"] == "repayment" and row["waiting"] == 1
        for e in seen
        for row in e["data"].get("rows", [])
    )


def test_an_escalation_past_its_sla_raises_an_alert_and_clears_when_resolved(app):
    wall, store = app.state.wallboard, app.state.store
    clock = app.state.calls.clock
    wall.round(clock())
    esc = {
        "id": "E-1",
        "borrower_id": "B000001",
        "loan_id": None,
        "department": "legal",
        "reason": "律师函",
        "priority": "urgent",
        "status": "open",
        "created_at": "2026-11-26T20:00:00Z",
        "sla_due_at": "2026-11-27T01:59:00Z",
        "agent_id": "A001",
        "snapshot": {},
        "history": [],
    }
    store.upsert("escalation", "E-1", esc)
    stats = wall.round(clock())
    assert [(a["rule"], a["subject"]) for a in stats["alerts"]] == [("escalation_overdue", "E-1")]
    assert stats["escalations"]["legal"]["overdue"] == 1
    store.upsert("escalation", "E-1", esc | {"status": "resolved"})
    stats = wall.round(clock())
    assert stats["alerts"] == [] and stats["escalations"] == {}


def test_follow_up_feedback_reaches_the_snapshot_and_queue_stats_masked(app):
    """A 回访 outcome with a score and a comment: the supervisor sees the mean and the comment
    (plain text, one line, the phone number in it masked), by borrower id."""
    import uuid

    wall, store, clock = app.state.wallboard, app.state.store, app.state.calls.clock
    desk = app.state.calls.callbacks
    desk.ensure()
    store.upsert("escalation", "E-fb", {
        "id": "E-fb", "borrower_id": "B000005", "loan_id": None, "department": "complaints",
        "reason": "投诉", "priority": "high", "status": "resolved",
        "created_at": "2026-11-26T02:00:00Z", "sla_due_at": "2026-11-26T10:00:00Z",
        "agent_id": "A001", "snapshot": {}, "history": [],
    })  # fmt: skip
    (cb,) = [r for r in desk.sweep(clock(), force=True) if r["reason"] == "follow_up"]
    body = {
        "type": "callback_outcome",
        "id": "O-" + uuid.uuid4().hex,
        "borrower_id": cb["borrower_id"],
        "agent_id": "A001",
        "created_at": clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "payload": {"callback_id": cb["id"], "outcome": "reached", "satisfaction": 4,
                    "comment": "[b]很好[/b]\n请打 13812345678"},
    }  # fmt: skip

    async def go():
        async with client(app, "tok-sup") as sup, client(app, "tok-a1") as a1:
            before = (await sup.get("/v1/wallboard")).json()
            r = await a1.post("/v1/actions", json=body, headers={"Idempotency-Key": body["id"]})
            assert r.status_code == 201, r.text
            after = (await sup.get("/v1/wallboard")).json()
            await app.state.wallboard.stop()
            await app.state.calls.stop()
            return before, after

    before, after = asyncio.run(go())
    assert before["callbacks"]["feedback"]["scored"] == 0
    feedback = after["callbacks"]["feedback"]
    assert (feedback["scored"], feedback["mean"]) == (1, 4.0)
    assert (feedback["scored_today"], feedback["mean_today"]) == (1, 4.0)
    (latest,) = feedback["latest"]
    assert latest["borrower_id"] == "B000005" and latest["score"] == 4
    assert latest["comment"] == "[b]很好[/b] 请打 138****5678"
    opened = lambda b: b["callbacks"]["backlog"]["follow_up"]["open"]  # noqa: E731
    assert opened(after) == opened(before) - 1  # reached: no longer open
    # the next queue.stats carries them only when they change
    assert "callbacks" not in (wall.round(clock()) or {})
