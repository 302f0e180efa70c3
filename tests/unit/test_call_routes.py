"""The call centre's endpoints on the reference core (in-process ASGI, fake ACD clock)."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from manual_clock import ManualClock

from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.auth import Identity, digest
from workbench.core.storage import CoreStore

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TOKENS = {"tok-a1": Identity("A001", "agent"), "tok-a2": Identity("A002", "agent")}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def make_app(
    core_template: str, tmp_path, clock: ManualClock, *, no_disposition: str | None = None
):
    path = tmp_path / "core.db"
    shutil.copy(core_template, path)
    store = CoreStore.open(path)
    if no_disposition:
        queue = store.get("queue", no_disposition)
        store.upsert("queue", no_disposition, queue | {"disposition_required": False})
    config = AcdConfig(colleagues=0, humans=("A001", "A002"), offer_timeout_s=60)
    tokens = {digest(token): who for token, who in TOKENS.items()}
    return build_app(store, tokens=tokens, acd=config, acd_clock=clock)


@pytest.fixture
async def app(core_template, tmp_path, clock):
    app = make_app(core_template, tmp_path, clock)
    yield app
    await app.state.shutdown()  # the routes start the call centre's tick: stop it first


def clients(app) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    return tuple(  # type: ignore[return-value]
        httpx.AsyncClient(
            transport=transport,
            base_url="http://core.test",
            headers={"Authorization": f"Bearer {token}"},
        )
        for token in TOKENS
    )


def borrower_call(app, clock: ManualClock, agent: str = "A001"):
    """A call from borrower B000001's mobile to a queue ``agent`` works."""
    acd = app.state.calls.build()
    borrower = app.state.store.get("borrower", "B000001")
    queue = acd.agents[agent].queues[0]
    return acd.inject(borrower["phones"][0]["number"], queue, clock())


def disposition(call_id: str, borrower_id: str = "B000001") -> dict:
    return {
        "type": "disposition",
        "id": f"D-{uuid.uuid4().hex}",
        "borrower_id": borrower_id,
        "agent_id": "A001",
        "created_at": "2026-11-27T02:05:00Z",
        "payload": {"code": "已解答", "duration_s": 60, "call_id": call_id},
    }


async def post_action(client: httpx.AsyncClient, body: dict) -> httpx.Response:
    return await client.post("/v1/actions", json=body, headers={"Idempotency-Key": body["id"]})


async def test_a_call_from_offer_to_available_again(app, clock) -> None:
    a1, a2 = clients(app)
    async with a1, a2:
        me = (await a1.get("/v1/agents/me")).json()
        assert me == {"agent": me["agent"], "calls": []}
        assert me["agent"]["state"] == "offline" and me["agent"]["agent_id"] == "A001"
        answer = await a1.post("/v1/agents/me/state", json={"state": "available"})
        assert answer.status_code == 200 and answer.json()["state"] == "available"
        call = borrower_call(app, clock)
        assert call.state == "offered" and call.agent_id == "A001"
        assert call.borrower_ids == ["B000001"]
        me = (await a1.get("/v1/agents/me")).json()
        assert [c["call_id"] for c in me["calls"]] == [call.call_id]

        base = f"/v1/calls/{call.call_id}"
        refused = await a2.post(f"{base}/answer")
        assert refused.status_code == 403 and refused.json()["error"] == "not_your_call"
        early = await a1.post(f"{base}/hold")
        assert early.status_code == 409 and early.json()["error"] == "wrong_state"
        assert "offered" in early.json()["message"]
        missing = await a1.post("/v1/calls/K-nope/answer")
        assert missing.status_code == 404 and missing.json()["error"] == "unknown_call"

        clock.tick(3)
        assert (await a1.post(f"{base}/answer")).json()["state"] == "active"
        clock.tick(30)
        assert (await a1.post(f"{base}/hold")).json()["state"] == "held"
        clock.tick(10)
        assert (await a1.post(f"{base}/resume")).json()["hold_s"] == 10
        clock.tick(20)
        ended = (await a1.post(f"{base}/end")).json()
        assert ended["state"] == "ended" and ended["ended_at"] == "2026-11-27T02:01:03Z"

        blocked = await a1.post("/v1/agents/me/state", json={"state": "available"})
        assert blocked.status_code == 409
        assert blocked.json()["error"] == "acw_disposition_required"
        assert (await post_action(a1, disposition(call.call_id))).status_code == 201
        again = await post_action(a1, disposition(call.call_id))
        assert again.status_code == 422 and "already has a disposition" in again.json()["message"]
        freed = await a1.post("/v1/agents/me/state", json={"state": "available"})
        assert freed.status_code == 200 and freed.json()["state"] == "available"


async def test_state_requests_are_checked(app, clock) -> None:
    a1, _a2 = clients(app)
    async with a1:
        bad = await a1.post("/v1/agents/me/state", json={"state": "napping"})
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_state"
        empty = await a1.post("/v1/agents/me/state", content=b"[]")
        assert empty.status_code == 422
        await a1.post("/v1/agents/me/state", json={"state": "available"})
        call = borrower_call(app, clock)
        await a1.post(f"/v1/calls/{call.call_id}/answer")
        busy = await a1.post("/v1/agents/me/state", json={"state": "break"})
        assert busy.status_code == 409 and busy.json()["error"] == "wrong_state"
        unknown_verb = await a1.post(f"/v1/calls/{call.call_id}/transfer")
        assert unknown_verb.status_code == 404


async def test_a_queue_without_required_dispositions_frees_the_agent(
    core_template, tmp_path, clock
):
    app = make_app(core_template, tmp_path, clock, no_disposition="repayment")
    a1, _ = clients(app)
    async with a1:
        await a1.post("/v1/agents/me/state", json={"state": "available"})
        acd = app.state.calls.build()
        acd.agents["A001"].queues = ("repayment",)
        call = acd.inject("13912345678", "repayment", clock())
        await a1.post(f"/v1/calls/{call.call_id}/answer")
        await a1.post(f"/v1/calls/{call.call_id}/end")
        acd.link(call.call_id, ["B000002"])  # a known caller, yet the queue needs no code
        freed = await a1.post("/v1/agents/me/state", json={"state": "break"})
        assert freed.status_code == 200 and freed.json()["state"] == "break"
    await app.state.shutdown()


async def test_poll_returns_call_events_after_an_id(app, clock) -> None:
    a1, _ = clients(app)
    async with a1:
        start = (await a1.get("/v1/events/poll")).json()
        assert start["events"] == []
        await a1.post("/v1/agents/me/state", json={"state": "available"})
        call = borrower_call(app, clock)
        page = (await a1.get("/v1/events/poll", params={"after": start["last_id"]})).json()
        kinds = [e["event"] for e in page["events"]]
        assert kinds == ["agent.state", "call.queued", "call.offered"]
        assert page["events"][-1]["data"]["call_id"] == call.call_id
        assert page["last_id"] == page["events"][-1]["id"]
        quiet = await a1.get("/v1/events/poll", params={"after": page["last_id"], "wait": "0.2"})
        assert quiet.json() == {"events": [], "last_id": page["last_id"]}
        bad = await a1.get("/v1/events/poll", params={"after": "x"})
        assert bad.status_code == 400


async def test_link_number_adds_the_callers_number_to_the_borrower(app, clock) -> None:
    a1, _ = clients(app)
    async with a1:
        body = {
            "type": "link_number",
            "id": f"L-{uuid.uuid4().hex}",
            "borrower_id": "B000003",
            "agent_id": "A001",
            "created_at": "2026-11-27T02:05:00Z",
            "payload": {"number": "17712345678", "call_id": "K1-000001"},
        }
        answer = await post_action(a1, body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["entity"] == "borrower" and answer.json()["id"] == body["id"]
        phones = app.state.store.get("borrower", "B000003")["phones"]
        assert phones[-1] == {
            "number": "17712345678",
            "kind": "mobile",
            "consent": True,
            "do_not_call": False,
        }
        twice = await post_action(a1, body | {"id": f"L-{uuid.uuid4().hex}"})
        assert twice.status_code == 422 and "already" in twice.json()["message"]
        acd = app.state.calls.build()
        acd.phones.catch_up(app.state.store)
        assert acd.phones.lookup("17712345678") == ["B000003"]


def test_core_serve_makes_the_token_files_agents_people() -> None:
    from workbench.cli.core_cmds import _acd_config

    tokens = {digest("t1"): Identity("A003", "agent"), digest("t2"): Identity("A018", "supervisor")}
    config = _acd_config(2.5, 60.0, 4, 7, tokens)
    assert (config.call_rate, config.patience_s, config.colleagues) == (2.5, 60.0, 4)
    assert config.humans == ("A003", "A018") and config.seed == 7
    assert _acd_config(0.0, 120.0, None, 7, None).humans == ("A001",)
