"""Callbacks in the reference core: triggers, merges, claims, dials, outcomes (in-process ASGI)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from manual_clock import ManualClock

from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.auth import Identity, digest
from workbench.core.storage import CoreStore

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 Beijing, a Friday
TOKENS = {"tok-a1": Identity("A001", "agent"), "tok-a2": Identity("A002", "agent")}
SUPERVISOR = {"tok-s1": Identity("A018", "supervisor")}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def app(core_template, tmp_path, clock):
    shutil.copy(core_template, tmp_path / "core.db")
    store = CoreStore.open(tmp_path / "core.db")
    config = AcdConfig(colleagues=0, humans=("A001", "A002"), answer_share=1.0, pickup_s=(5, 5))
    tokens = {digest(token): who for token, who in (TOKENS | SUPERVISOR).items()}
    app = build_app(store, tokens=tokens, acd=config, acd_clock=clock, clock=clock)
    yield app
    await app.state.shutdown()  # the routes start the call centre's tick: stop it first


def clients(app):
    transport = httpx.ASGITransport(app=app)
    return [
        httpx.AsyncClient(
            transport=transport,
            base_url="http://core.test",
            headers={"Authorization": f"Bearer {token}"},
        )
        for token in TOKENS
    ]


def abandon(app, clock: ManualClock, borrower_id: str = "B000001", wait: float = 30):
    """A call from the borrower's first phone gives up after ``wait`` s; the desk takes it."""
    acd = app.state.calls.build()
    number = app.state.store.get("borrower", borrower_id)["phones"][0]["number"]
    queue = acd.agents["A001"].queues[0]
    acd.inject(number, queue, clock(), patience_s=wait)
    clock.tick(wait + 1)
    acd.advance(clock())
    return app.state.calls.callbacks.take_abandoned(acd)


def action(kind: str, borrower_id: str, agent_id: str, at: datetime, **payload) -> dict:
    return {
        "type": kind,
        "id": ("O-" if kind == "callback_outcome" else "C-") + uuid.uuid4().hex,
        "borrower_id": borrower_id,
        "agent_id": agent_id,
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "payload": payload,
    }


async def post_action(client, body: dict, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return await client.post("/v1/actions", json=body, headers=headers)


def test_abandoned_known_calls_become_one_callback_and_repeats_merge(app, clock) -> None:
    first = abandon(app, clock, wait=30)
    assert len(first) == 1 and first[0]["reason"] == "abandoned" and first[0]["status"] == "open"
    assert first[0]["created_at"] <= clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    second = abandon(app, clock, wait=400)  # waited long: more urgent
    assert second[0]["id"] == first[0]["id"]
    assert [s["kind"] for s in second[0]["history"]] == ["created", "merged"]
    assert second[0]["priority"] < first[0]["priority"] and second[0]["wait_s"] == 400
    assert app.state.calls.callbacks.open_count() >= 1
    stats = app.state.store.stats()
    assert stats["entities"]["callback"] >= 1


def test_an_unknown_caller_makes_no_callback(app, clock) -> None:
    acd = app.state.calls.build()
    acd.inject("13000000001", sorted(acd.queues)[0], clock(), patience_s=5)
    clock.tick(10)
    acd.advance(clock())
    assert app.state.calls.callbacks.take_abandoned(acd) == []


async def test_the_tick_turns_an_abandoned_call_into_a_callback_within_a_minute(app, clock):
    center = app.state.calls
    center.callbacks.ensure()
    acd = await center.ready()  # the tick task runs on this loop with the fake clock
    number = app.state.store.get("borrower", "B000003")["phones"][0]["number"]
    acd.inject(number, sorted(acd.queues)[0], clock(), patience_s=20)
    clock.tick(25)
    for _ in range(40):
        await asyncio.sleep(0.05)
        with center.store.read() as conn:
            row = conn.execute(
                "SELECT callback_id FROM callback_sources WHERE kind = 'call'"
            ).fetchone()
        if row:
            break
    await center.stop()
    assert row and row[0]
    record = center.store.get("callback", row[0])
    made = datetime.fromisoformat(record["history"][0]["at"].replace("Z", "+00:00"))
    assert made - T0 <= timedelta(seconds=60)


async def test_two_agents_claim_at_once_and_one_wins(app, clock) -> None:
    (cb,) = abandon(app, clock)
    a1, a2 = clients(app)
    r1, r2 = await asyncio.gather(
        a1.post(f"/v1/callbacks/{cb['id']}/claim"), a2.post(f"/v1/callbacks/{cb['id']}/claim")
    )
    assert sorted([r1.status_code, r2.status_code]) == [200, 409]
    loser = r2 if r2.status_code == 409 else r1
    assert loser.json()["error"] == "claimed"
    winner = "A001" if r1.status_code == 200 else "A002"
    assert app.state.store.get("callback", cb["id"])["claimed_by"] == winner
    clock.tick(16 * 60)  # the claim expires after 15 minutes
    again = await (a2 if winner == "A001" else a1).post(f"/v1/callbacks/{cb['id']}/claim")
    assert again.status_code == 200


async def test_dial_needs_the_claim_and_the_gate(app, clock) -> None:
    (cb,) = abandon(app, clock)
    a1, _ = clients(app)
    refused = await a1.post(f"/v1/callbacks/{cb['id']}/dial")
    assert refused.status_code == 409 and refused.json()["error"] == "not_claimed"
    assert (await a1.post(f"/v1/callbacks/{cb['id']}/claim")).status_code == 200
    busy = await a1.post(f"/v1/callbacks/{cb['id']}/dial")  # A001 is offline
    assert busy.status_code == 409 and busy.json()["error"] == "busy"
    clock.now = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)  # 22:30 Beijing
    await a1.post(f"/v1/callbacks/{cb['id']}/claim")
    await a1.post("/v1/agents/me/state", json={"state": "available"})
    night = await a1.post(f"/v1/callbacks/{cb['id']}/dial")
    assert night.status_code == 409 and night.json()["error"] == "contact_window"
    assert night.json()["until"] == "2026-11-28T00:00:00Z"  # 08:00 Beijing


async def test_a_dial_and_its_outcome_are_applied_once(app, clock) -> None:
    (cb,) = abandon(app, clock)
    a1, _ = clients(app)
    await a1.post(f"/v1/callbacks/{cb['id']}/claim")
    await a1.post("/v1/agents/me/state", json={"state": "available"})
    dial = await a1.post(f"/v1/callbacks/{cb['id']}/dial")
    assert dial.status_code == 200, dial.text
    call = dial.json()
    assert call["direction"] == "out" and call["state"] == "offered"
    assert call["callback_id"] == cb["id"] and call["borrower_ids"] == ["B000001"]
    clock.tick(6)
    me = (await a1.get("/v1/agents/me")).json()
    assert me["calls"][0]["state"] == "active"  # picked up
    assert (await a1.post(f"/v1/calls/{call['call_id']}/end")).status_code == 200
    held = await a1.post("/v1/agents/me/state", json={"state": "available"})
    assert held.status_code == 409  # the outcome is the wrap-up
    body = action("callback_outcome", "B000001", "A001", clock(), callback_id=cb["id"],
                  outcome="reached", call_id=call["call_id"])  # fmt: skip
    key = str(uuid.uuid4())
    first, again = await post_action(a1, body, key), await post_action(a1, body, key)
    assert first.status_code == 201 and again.status_code == 200
    record = app.state.store.get("callback", cb["id"])
    assert record["status"] == "done" and record["attempts"] == 1
    assert record["last_outcome"] == "reached" and record["claimed_by"] is None
    assert [s["kind"] for s in record["history"]][-3:] == ["claimed", "dialed", "attempt"]
    assert app.state.store.get("interaction", body["id"])["channel"] == "call_out"
    assert (await a1.post("/v1/agents/me/state", json={"state": "available"})).status_code == 200
    closed = await post_action(a1, body | {"id": "O-" + uuid.uuid4().hex})
    assert closed.status_code == 422


async def test_call_back_later_must_fall_inside_the_window(app, clock) -> None:
    (cb,) = abandon(app, clock)
    a1, _ = clients(app)
    night = action("callback_outcome", "B000001", "A001", clock(), callback_id=cb["id"],
                   outcome="call_back_later", due_at="2026-11-27T15:00:00Z")  # fmt: skip
    assert (await post_action(a1, night)).status_code == 422
    later = night | {"id": "O-" + uuid.uuid4().hex}
    later["payload"] = later["payload"] | {"due_at": "2026-11-27T06:00:00Z"}
    assert (await post_action(a1, later)).status_code == 201
    record = app.state.store.get("callback", cb["id"])
    assert record["status"] == "open" and record["due_at"] == "2026-11-27T06:00:00Z"


async def test_requested_callbacks_merge_and_leave_a_tombstone(app, clock) -> None:
    a1, _ = clients(app)
    number = app.state.store.get("borrower", "B000004")["phones"][0]["number"]
    one = action("callback", "B000004", "A001", clock(), number=number,
                 due_at="2026-11-27T06:00:00Z", reason="requested")  # fmt: skip
    two = action("callback", "B000004", "A001", clock(), number=number,
                 due_at="2026-11-27T08:00:00Z", reason="requested")  # fmt: skip
    assert (await post_action(a1, one)).status_code == 201
    assert (await post_action(a1, two)).status_code == 201
    record = app.state.store.get("callback", one["id"])
    assert record["due_at"] == "2026-11-27T08:00:00Z"  # the latest wish wins
    assert [s["kind"] for s in record["history"]] == ["created", "merged"]
    assert app.state.store.get("callback", two["id"]) is None
    with app.state.store.read() as conn:
        gone = conn.execute("SELECT deleted FROM records WHERE id = ?", (two["id"],)).fetchone()
    assert gone == (1,)


def resolved_escalation(store, borrower_id: str = "B000005") -> str:
    """An escalation of the borrower, resolved now."""
    store.upsert("escalation", "E-test", {
        "id": "E-test", "borrower_id": borrower_id, "loan_id": None, "department": "complaints",
        "reason": "投诉", "priority": "high", "status": "resolved",
        "created_at": "2026-11-26T02:00:00Z", "sla_due_at": "2026-11-26T10:00:00Z",
        "agent_id": "A001", "snapshot": {}, "history": [],
    })  # fmt: skip
    return "E-test"


def test_broken_promises_and_resolved_escalations_call_for_callbacks(app, clock) -> None:
    store, desk = app.state.store, app.state.calls.callbacks
    desk.ensure()
    loan = orjson.loads(next(r for _, _, r in store.iter_records("loan")))
    store.upsert("promise", "P-test", {
        "id": "P-test", "borrower_id": loan["borrower_id"], "loan_id": loan["id"],
        "amount": 10_000_000, "promised_date": "2026-11-26", "status": "pending",
        "created_at": "2026-11-20T02:00:00Z", "agent_id": "A001",
    })  # fmt: skip
    escalation = {"id": resolved_escalation(store)}
    made = desk.sweep(clock(), force=True)
    reasons = {r["reason"]: r for r in made}
    assert store.get("promise", "P-test")["status"] in ("broken", "partial")
    assert reasons["broken_promise"]["source"] == "promise:P-test"
    assert reasons["follow_up"]["source"] == "escalation:" + escalation["id"]
    assert desk.sweep(clock(), force=True) == []  # each trigger once


async def test_follow_up_outcome_keeps_the_satisfaction_score(app, clock) -> None:
    store, desk = app.state.store, app.state.calls.callbacks
    desk.ensure()
    resolved_escalation(store)
    (cb,) = [r for r in desk.sweep(clock(), force=True) if r["reason"] == "follow_up"]
    a1, _ = clients(app)
    body = action("callback_outcome", cb["borrower_id"], "A001", clock(), callback_id=cb["id"],
                  outcome="reached", satisfaction=5, comment="处理很及时")  # fmt: skip
    assert (await post_action(a1, body)).status_code == 201
    record = store.get("callback", cb["id"])
    assert (record["satisfaction"], record["comment"]) == (5, "处理很及时")
    assert record["history"][-1]["satisfaction"] == 5


async def test_next_claims_the_top_callback_and_figures_count_it(app, clock) -> None:
    abandon(app, clock, wait=700)
    a1, _ = clients(app)
    answer = await a1.post("/v1/callbacks/next/claim")
    assert answer.status_code == 200, answer.text
    assert answer.json()["callback"]["claimed_by"] == "A001"
    figures = (await a1.get("/v1/callbacks/figures")).json()
    assert figures["total"]["abandoned_known"] == 1 and figures["total"]["coverage"] == 1.0
    assert set(figures["total"]) >= {"open", "overdue", "median_abandon_to_first_attempt_s"}


async def test_an_escalation_resolved_by_a_supervisor_calls_for_a_follow_up(app, clock) -> None:
    desk = app.state.calls.callbacks
    a1, _ = clients(app)
    boss = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://core.test",
        headers={"Authorization": "Bearer tok-s1"},
    )
    raised = action("escalation", "B000006", "A001", clock(), department="complaints",
                    reason="投诉催收态度", priority="high")  # fmt: skip
    raised["id"] = "E-" + uuid.uuid4().hex
    assert (await post_action(a1, raised)).status_code == 201
    assert [r for r in desk.sweep(clock(), force=True) if r["reason"] == "follow_up"] == []
    resolve = action("escalation_update", "B000006", "A018", clock(),
                     escalation_id=raised["id"], verb="resolve", comment="已处理")  # fmt: skip
    resolve["id"] = "U-" + uuid.uuid4().hex
    assert (await post_action(boss, resolve)).status_code == 201, "resolve refused"
    made = [r for r in desk.sweep(clock(), force=True) if r["reason"] == "follow_up"]
    assert len(made) == 1 and made[0]["source"] == "escalation:" + raised["id"]
    assert made[0]["borrower_id"] == "B000006" and made[0]["status"] == "open"
