"""Roles on the reference core: the token decides who the caller is and what it may do.

/v1/me names the token's agent and role; a reveal by an agent is refused (403) and by a
supervisor audited exactly once; only auditors list reveals; acting as another agent and the
supervisor-only endpoints are refused for agents.
"""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from workbench.core.app import build_app
from workbench.core.auth import load_tokens
from workbench.core.portfolio import open_portfolio

TOKENS = {
    "agent": ("tok-agent-" + "a" * 24, "A001"),
    "other": ("tok-agent-" + "o" * 24, "A002"),
    "supervisor": ("tok-super-" + "s" * 24, "A018"),
    "auditor": ("tok-audit-" + "u" * 24, "AU01"),
}
ROLE_OF = {"agent": "agent", "other": "agent", "supervisor": "supervisor", "auditor": "auditor"}


@pytest.fixture
async def core(tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(
        "".join(
            f'["{token}"]\nagent_id = "{agent}"\nrole = "{ROLE_OF[name]}"\n\n'
            for name, (token, agent) in TOKENS.items()
        ),
        encoding="utf-8",
    )
    store = open_portfolio(tmp_path / "core.db", 5, 3, date(2026, 11, 27))
    app = build_app(store, tokens=load_tokens(path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://core.test"
    ) as client:
        yield client, app
    await app.state.shutdown()


def as_(who: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {TOKENS[who][0]}"}
    return headers | ({"Idempotency-Key": key} if key else {})


def reveal(agent_id: str, field: str = "id_no") -> dict:
    return {
        "type": "reveal_audit",
        "id": f"R-{uuid.uuid4().hex}",
        "borrower_id": "B000001",
        "agent_id": agent_id,
        "created_at": "2026-11-27T02:00:00Z",
        "payload": {"field": field, "reason": "客户投诉核实身份", "target_id": "B000001"},
    }


def audit_rows(app) -> list[tuple]:
    with app.state.store.read() as conn:
        return conn.execute("SELECT agent_id, field, reason FROM audits").fetchall()


@pytest.mark.parametrize("who", list(TOKENS))
async def test_me_names_the_tokens_agent_and_role(core, who):
    client, _ = core
    answer = await client.get("/v1/me", headers=as_(who))
    assert answer.status_code == 200
    assert answer.json() == {
        "agent_id": TOKENS[who][1],
        "role": ROLE_OF[who],
        "may_reveal": ROLE_OF[who] in ("supervisor", "auditor"),
    }
    assert (await client.get("/v1/me")).status_code == 401


async def test_a_reveal_by_an_agent_is_refused_and_not_audited(core):
    client, app = core
    answer = await client.post("/v1/actions", json=reveal("A001"), headers=as_("agent", "k1"))
    assert answer.status_code == 403
    assert answer.json()["error"] == "reveal_not_allowed"
    assert "role agent may not reveal" in answer.json()["message"]
    assert audit_rows(app) == []


async def test_a_reveal_by_a_supervisor_is_audited_exactly_once(core):
    client, app = core
    body = reveal("A018", "phone")
    first = await client.post("/v1/actions", json=body, headers=as_("supervisor", "k2"))
    again = await client.post("/v1/actions", json=body, headers=as_("supervisor", "k2"))
    assert first.status_code == 201 and again.status_code == 200  # the replay
    assert again.headers.get("idempotent-replayed") == "true"
    assert audit_rows(app) == [("A018", "phone", "客户投诉核实身份")]


@pytest.mark.parametrize("body", [reveal("A018"), {**reveal("A002"), "type": "note"}])
async def test_an_agent_token_acting_as_another_agent_gets_403(core, body):
    client, app = core
    if body["type"] == "note":
        body = body | {"id": f"N-{uuid.uuid4().hex}", "payload": {"text": "冒名"}}
    answer = await client.post("/v1/actions", json=body, headers=as_("agent", "k3"))
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"
    assert "cannot act as agent" in answer.json()["message"]
    assert audit_rows(app) == []


async def test_a_supervisor_cannot_reveal_in_another_agents_name(core):
    client, app = core
    answer = await client.post("/v1/actions", json=reveal("A001"), headers=as_("supervisor", "k4"))
    assert answer.status_code == 403 and audit_rows(app) == []


async def test_only_an_auditor_lists_reveals(core):
    client, _ = core
    for who, field in (("supervisor", "id_no"), ("auditor", "debit_card")):
        agent = TOKENS[who][1]
        key = uuid.uuid4().hex
        posted = await client.post("/v1/actions", json=reveal(agent, field), headers=as_(who, key))
        assert posted.status_code == 201, posted.text
    for who in ("agent", "supervisor"):
        refused = await client.get("/v1/audit/reveals", headers=as_(who))
        assert refused.status_code == 403 and refused.json()["error"] == "auditor_only"
    listed = (await client.get("/v1/audit/reveals", headers=as_("auditor"))).json()
    assert listed["count"] == 2
    assert {(r["agent_id"], r["field"]) for r in listed["reveals"]} == {
        ("A018", "id_no"),
        ("AU01", "debit_card"),
    }
    one = await client.get("/v1/audit/reveals?agent_id=A018", headers=as_("auditor"))
    assert [r["field"] for r in one.json()["reveals"]] == ["id_no"]
    bad = await client.get("/v1/audit/reveals?limit=-1", headers=as_("auditor"))
    assert bad.status_code == 400


@pytest.mark.parametrize("who", ["agent", "auditor"])
async def test_supervisor_only_endpoints_refuse_other_roles(core, who):
    client, _ = core
    board = await client.get("/v1/wallboard", headers=as_(who))
    assert board.status_code == 403 and board.json()["error"] == "supervisor_only"
    update = {
        "type": "escalation_update",
        "id": f"U-{uuid.uuid4().hex}",
        "borrower_id": "B000001",
        "agent_id": TOKENS[who][1],
        "created_at": "2026-11-27T02:00:00Z",
        "payload": {"escalation_id": "E-x", "op": "acknowledge"},
    }
    answer = await client.post("/v1/actions", json=update, headers=as_(who, uuid.uuid4().hex))
    assert answer.status_code == 403 and answer.json()["error"] == "supervisor_only"
