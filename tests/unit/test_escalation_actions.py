"""Supervisors acknowledge, reassign, comment on and resolve escalations through /v1/actions."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from workbench.core.app import build_app
from workbench.core.auth import Identity, digest
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore

TOKENS = {"tok-sup": Identity("S001", "supervisor"), "tok-a1": Identity("A001", "agent")}
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("esc-template") / "core.db"
    open_portfolio(path, 10, 3, date(2026, 11, 27)).close()
    return str(path)


@pytest.fixture
def app(template, tmp_path):
    path = tmp_path / "core.db"
    shutil.copy(template, path)
    store = CoreStore.open(path)
    app = build_app(store, tokens={digest(t): w for t, w in TOKENS.items()}, clock=lambda: NOW)
    yield app
    store.close()


def body(kind: str, agent: str, payload: dict, record_id: str | None = None) -> dict:
    return {
        "type": kind,
        "id": record_id or "X-" + uuid.uuid4().hex,
        "borrower_id": "B000001",
        "agent_id": agent,
        "created_at": "2026-11-27T02:00:00Z",
        "payload": payload,
    }


async def send(app, token: str, action: dict) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://core.test",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
    ) as c:
        return await c.post("/v1/actions", json=action)


def test_escalation_updates_by_a_supervisor_and_an_agent_refused(app):
    async def go():
        raised = body(
            "escalation",
            "A001",
            {"department": "legal", "reason": "律师函", "priority": "high"},
            "E-1",
        )
        assert (await send(app, "tok-a1", raised)).status_code == 201
        upd = {"escalation_id": "E-1", "verb": "acknowledge"}
        refused = await send(app, "tok-a1", body("escalation_update", "A001", upd))
        assert refused.status_code == 403 and refused.json()["error"] == "supervisor_only"
        for payload in (
            upd,
            {"escalation_id": "E-1", "verb": "comment", "comment": "已联系法务"},
            {"escalation_id": "E-1", "verb": "reassign", "department": "risk"},
            {"escalation_id": "E-1", "verb": "resolve", "comment": "结清"},
        ):
            r = await send(app, "tok-sup", body("escalation_update", "S001", payload))
            assert r.status_code == 201, r.text
            assert (r.json()["entity"], r.json()["id"]) == ("escalation", "E-1")
        again = await send(app, "tok-sup", body("escalation_update", "S001", upd))
        assert again.status_code == 422 and "already resolved" in again.json()["message"]

    asyncio.run(go())
    esc = app.state.store.get("escalation", "E-1")
    assert esc["status"] == "resolved" and esc["department"] == "risk"
    assert [h["status"] for h in esc["history"]] == [
        "open",
        "acknowledged",
        "commented",
        "reassigned",
        "resolved",
    ]
    assert esc["history"][2]["comment"] == "已联系法务" and esc["history"][1]["by"] == "S001"


def test_the_desk_side_queues_the_update_in_the_outbox(demo_cache, tmp_path):
    from workbench.store import outbox
    from workbench.store.db import connect
    from workbench.store.escalation_actions import ValidationError, update_escalation

    path = tmp_path / "cache.db"
    shutil.copy(demo_cache, path)
    conn = connect(path)
    try:
        from workbench.store.queries import _load_many

        ids = {row[0] for row in conn.execute("SELECT id FROM escalation")}
        open_ones = [
            e for e in _load_many(conn, "escalation", ids).values() if e["status"] != "resolved"
        ]
        esc_id, dept = open_ones[0]["id"], open_ones[0]["department"]
        with pytest.raises(ValidationError):
            update_escalation(conn, esc_id, "reassign", agent_id="S001", department=dept)
        with pytest.raises(ValidationError):
            update_escalation(conn, esc_id, "comment", agent_id="S001", comment="  ")
        action = update_escalation(conn, esc_id, "comment", agent_id="S001", comment="跟进中")
        entry = outbox.get(conn, action.key)
        assert entry is not None and entry.type == "escalation_update"
    finally:
        conn.close()
