"""Bearer tokens on the reference core: token files, 401 with a challenge, 403 for impostors."""

from __future__ import annotations

import json
import uuid
from datetime import date

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli.core_cmds import core
from workbench.core.app import build_app
from workbench.core.auth import DEMO_IDENTITY, Identity, TokenFileError, load_tokens
from workbench.core.portfolio import open_portfolio

AGENT_TOKEN = "tok-A001-" + "k" * 24
SUPERVISOR_TOKEN = "tok-A018-" + "s" * 24
TOML = f"""
["{AGENT_TOKEN}"]
agent_id = "A001"
role = "agent"

["{SUPERVISOR_TOKEN}"]
agent_id = "A018"
role = "supervisor"
"""


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(TOML, encoding="utf-8")
    return path


@pytest.fixture
async def client(tmp_path, token_file):
    store = open_portfolio(tmp_path / "core.db", 5, 3, date(2026, 11, 27))
    app = build_app(store, tokens=load_tokens(token_file))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as c:
        yield c
    store.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def note(agent_id: str) -> dict:
    return {
        "type": "note",
        "id": f"N-{uuid.uuid4().hex}",
        "borrower_id": "B000001",
        "agent_id": agent_id,
        "created_at": "2026-11-27T02:00:00Z",
        "payload": {"text": "已核实"},
    }


def test_a_token_file_maps_tokens_to_agents_in_toml_or_json(tmp_path, token_file):
    from_toml = load_tokens(token_file)
    as_json = tmp_path / "tokens.json"
    as_json.write_text(
        json.dumps({"tokens": {AGENT_TOKEN: {"agent_id": "A001", "role": "agent"}}}),
        encoding="utf-8",
    )
    from_json = load_tokens(as_json)
    assert sorted(from_toml.values(), key=str) == [
        Identity("A001", "agent"),
        Identity("A018", "supervisor"),
    ]
    assert list(from_json.values()) == [Identity("A001", "agent")]
    assert AGENT_TOKEN not in repr(from_toml)  # only digests are kept


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('["SECRET-TOK"]\nagent_id = "A001"\nrole = "boss"\n', "has role 'boss'"),
        ('["SECRET-TOK"]\nrole = "agent"\n', "needs a table with agent_id"),
        ('["has space"]\nagent_id = "A001"\n', "without spaces"),
        ("{}", "holds no tokens"),
        ("[[[", "neither valid JSON nor TOML"),
    ],
)
def test_a_bad_token_file_says_what_is_wrong_without_showing_tokens(tmp_path, text, reason):
    path = tmp_path / "tokens.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TokenFileError, match=reason) as caught:
        load_tokens(path)
    assert "SECRET-TOK" not in str(caught.value)


async def test_health_and_the_openapi_document_need_no_token(client):
    assert (await client.get("/v1/health")).status_code == 200
    assert (await client.get("/v1/openapi.json")).status_code == 200


@pytest.mark.parametrize("path", ["/v1/stats", "/v1/changes", "/v1/events", "/v2/unknown"])
async def test_every_other_endpoint_needs_a_token(client, path):
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="workbench"'
    assert response.json()["error"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]


@pytest.mark.parametrize("header", [f"Bearer {AGENT_TOKEN}x", "Bearer ", f"Basic {AGENT_TOKEN}"])
async def test_a_wrong_token_is_a_401_that_does_not_echo_it(client, header):
    response = await client.get("/v1/stats", headers={"Authorization": header})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert AGENT_TOKEN not in response.text and "not valid" in response.json()["message"]


async def test_a_valid_token_reads_and_acts_as_its_own_agent_only(client):
    assert (await client.get("/v1/stats", headers=bearer(AGENT_TOKEN))).status_code == 200
    headers = bearer(AGENT_TOKEN) | {"Idempotency-Key": str(uuid.uuid4())}
    assert (await client.post("/v1/actions", json=note("A001"), headers=headers)).status_code == 201
    impostor = await client.post("/v1/actions", json=note("A018"), headers=headers)
    assert impostor.status_code == 403 and impostor.json()["error"] == "forbidden"
    supervisor = bearer(SUPERVISOR_TOKEN) | {"Idempotency-Key": str(uuid.uuid4())}
    own = await client.post("/v1/actions", json=note("A018"), headers=supervisor)
    assert own.status_code == 201
    unauthenticated = await client.post(
        "/v1/actions", json=note("A001"), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert unauthenticated.status_code == 401


async def test_without_a_token_file_any_caller_is_the_demo_agent(tmp_path):
    store = open_portfolio(tmp_path / "core.db", 5, 3, date(2026, 11, 27))
    transport = httpx.ASGITransport(app=build_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as client:
        headers = bearer("anything") | {"Idempotency-Key": str(uuid.uuid4())}
        assert (await client.get("/v1/stats", headers=headers)).status_code == 200
        mine = await client.post("/v1/actions", json=note(DEMO_IDENTITY.agent_id), headers=headers)
        assert mine.status_code == 201
    store.close()


def test_core_serve_refuses_a_bad_token_file_before_serving(tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text('["secret-token-1"]\nrole = "agent"\n', encoding="utf-8")
    args = ["serve", "--token-file", str(path), "--store", str(tmp_path / "c.db")]
    result = CliRunner().invoke(core, [*args, "--borrowers", "2"])
    assert result.exit_code != 0
    assert "needs a table with agent_id" in result.output
    assert "secret-token-1" not in result.output
