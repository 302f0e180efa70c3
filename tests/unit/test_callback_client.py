"""The callback worklist and outcome on the desk's side, against a real in-process core."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta

import httpx
import orjson
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.auth import Identity, digest
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore
from workbench.domain.callback_work import callback_from_json
from workbench.domain.calls import CallCommand, CallEvent
from workbench.store import callbacks as cb_store
from workbench.store.db import connect
from workbench.sync.calls import CallChannel, command_request, is_call_event
from workbench.sync.client import make_client
from workbench.sync.pull import pull
from workbench.sync.push import push

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 Beijing
TOKENS = {"tok-a1": Identity("A001", "agent"), "tok-a2": Identity("A002", "agent")}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("cb-client") / "core.db"
    open_portfolio(path, 20, 5, date(2026, 11, 27)).close()
    return path


@pytest.fixture
async def desk(template, tmp_path):
    """(cache, A001's client, A002's client, app, clock list) with one abandoned callback."""
    shutil.copy(template, tmp_path / "core.db")
    store = CoreStore.open(tmp_path / "core.db")
    now = [T0]
    tokens = {digest(t): who for t, who in TOKENS.items()}
    app = build_app(
        store,
        tokens=tokens,
        acd=AcdConfig(colleagues=0, humans=("A001", "A002")),
        acd_clock=lambda: now[0],
    )
    acd = app.state.calls.build()
    number = store.get("borrower", "B000002")["phones"][0]["number"]
    acd.inject(number, acd.agents["A001"].queues[0], now[0], patience_s=200)
    now[0] += timedelta(seconds=201)
    acd.advance(now[0])
    app.state.calls.callbacks.take_abandoned(acd)
    conn = connect(tmp_path / "cache.db")
    transport = httpx.ASGITransport(app)
    async with (
        make_client("http://core.test", transport=transport, token="tok-a1") as c1,
        make_client("http://core.test", transport=transport, token="tok-a2") as c2,
    ):
        await pull(conn, c1)
        yield conn, c1, c2, app, now
    conn.close()
    await app.state.shutdown()  # the routes start the call centre's tick: stop it first


def abandoned_row(conn, now, agent="A001"):
    rows = cb_store.callback_worklist(conn, agent, now)
    return next(r for r in rows if r.reason == "abandoned" and r.callback.borrower_id == "B000002")


async def test_the_worklist_orders_and_flags_rows_with_their_gate(desk) -> None:
    conn, *_, now = desk
    rows = cb_store.callback_worklist(conn, "A001", now[0])
    keys = [(r.priority, r.due_at, r.id) for r in rows]
    assert keys == sorted(keys) and rows
    row = abandoned_row(conn, now[0])
    assert row.gate.allowed and not row.overdue and row.claimed_by is None
    assert row.number_masked != row.callback.number and "*" in row.number_masked
    assert abandoned_row(conn, now[0] + timedelta(hours=3)).overdue
    night = abandoned_row(conn, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # 23:00 Beijing
    assert night.gate.rule == "contact_window" and night.gate.allowed_from is not None
    first, skipped = cb_store.next_callback(conn, "A001", now[0])
    assert first is not None and first.workable and all(not r.workable for r in skipped)


async def test_claims_go_live_and_refusals_name_the_rule(desk) -> None:
    conn, c1, c2, _app, now = desk
    row = abandoned_row(conn, now[0])
    events: list[CallEvent] = []
    one, two = CallChannel(events.append), CallChannel(events.append)
    assert command_request(CallCommand("claim", callback_id=row.id)) == (
        f"/v1/callbacks/{row.id}/claim",
        None,
    )
    await one.run_command(c1, CallCommand("claim", callback_id=row.id))
    assert events == []  # success comes back as the core's callback.claimed event
    await two.run_command(c2, CallCommand("claim", callback_id=row.id))
    assert events[-1].type == "error" and events[-1].code == "claimed"
    assert "A001" in events[-1].message
    now[0] = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 23:00 Beijing
    await one.run_command(c1, CallCommand("claim", callback_id=row.id))
    await c1.post("/v1/agents/me/state", json={"state": "available"})
    await one.run_command(c1, CallCommand("dial", callback_id=row.id))
    assert events[-1].code == "contact_window" and events[-1].until == "2026-11-28T00:00:00Z"
    await pull(conn, c1)
    assert abandoned_row(conn, now[0], "A002").claimed_by == "A001"


def test_callback_events_reach_the_desk() -> None:
    events: list[CallEvent] = []
    record = {
        "id": "CB-1", "borrower_id": "B1", "number": "13812345678", "reason": "abandoned",
        "due_at": "2026-11-27T04:00:00Z", "priority": 2, "attempts": 0, "status": "claimed",
        "created_at": "2026-11-27T02:00:00Z", "claimed_by": "A001",
        "history": [{"at": "2026-11-27T02:00:00Z", "kind": "created", "future": 1}],
    }  # fmt: skip
    assert is_call_event("callback.claimed")
    CallChannel(events.append).dispatch("callback.claimed", orjson.dumps(record).decode())
    assert events[0].callback == callback_from_json(record)
    assert events[0].callback.history[0].kind == "created"


async def test_an_outcome_shows_at_once_and_the_core_applies_it_once(desk) -> None:
    conn, c1, _c2, app, now = desk
    row = abandoned_row(conn, now[0])
    action = cb_store.record_callback_outcome(
        conn, row.id, "call_back_later", agent_id="A001", due_at="2026-11-27T15:00", now=now[0]
    )
    shown = cb_store.get_callback(conn, row.id)
    assert shown.attempts == 1 and shown.status == "open" and shown.history[-1].kind == "attempt"
    assert shown.due_at == "2026-11-27T07:00:00Z"  # 15:00 Beijing
    result = await push(conn, c1)
    assert result.confirmed == 1 and action.record_id.startswith("O-")
    assert (await push(conn, c1)).confirmed == 0
    await pull(conn, c1)
    core = app.state.store.get("callback", row.id)
    assert core["attempts"] == 1 and core["last_outcome"] == "call_back_later"
    assert cb_store.get_callback(conn, row.id).due_at == core["due_at"]


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "call_back_later"}, "due_at.required"),
        ({"outcome": "call_back_later", "due_at": "2026-11-27T23:00"}, "due_at.outside_window"),
        ({"outcome": "reached", "satisfaction": 5}, "satisfaction.not_follow_up"),
        ({"outcome": "reached", "callback_id": "CB-none"}, "callback_id.unknown"),
    ],
)
async def test_outcomes_refuse_bad_input(desk, kwargs, key) -> None:
    conn, *_, now = desk
    args = {"callback_id": abandoned_row(conn, now[0]).id} | kwargs
    with pytest.raises(cb_store.ValidationError) as refused:
        cb_store.record_callback_outcome(conn, agent_id="A001", now=now[0], **args)
    assert refused.value.key.startswith(key)
    assert "/" in str(refused.value)


async def test_callbacks_cli_prints_the_worklist_and_figures_as_json(desk, tmp_path) -> None:
    conn, *_ = desk
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(
        main, ["callbacks", "--json", "--db", path], env={"WORKBENCH_NOW": "2026-11-27T02:05:00Z"}
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == {"as_of", "agent_id", "worklist", "figures"}
    row = body["worklist"][0]
    assert {"id", "priority", "due_at", "overdue", "gate", "number", "claimed_by"} <= set(row)
    assert set(row["gate"]) == {"allowed", "rule", "allowed_from", "params"}
    assert not any(ch.isdigit() for ch in row["number"][3:-4])  # masked
    assert {"coverage", "open", "overdue", "median_abandon_to_first_attempt_s"} <= set(
        body["figures"]["total"]
    )
    plain = CliRunner().invoke(main, ["callbacks", "--db", path])
    assert plain.exit_code == 0 and "callbacks" in plain.output
