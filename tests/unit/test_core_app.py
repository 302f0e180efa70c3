"""The reference core over HTTP (in-process ASGI): health, the change feed, stats, errors."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli.core_cmds import core
from workbench.core import create_app
from workbench.core.portfolio import PortfolioMismatch, open_portfolio
from workbench.core.storage import CoreStore

AS_OF = date(2026, 11, 27)
HOSTILE = "[/]张[VIP]伟[@click=app.quit]"


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "core.db", borrowers=40, seed=3, as_of=AS_OF)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as c:
        yield c


async def pull_all(client, cursor="0", limit=100) -> tuple[list[dict], str, int]:
    changes, pages = [], 0
    while True:
        page = (await client.get("/v1/changes", params={"cursor": cursor, "limit": limit})).json()
        changes += page["changes"]
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            return changes, cursor, pages


async def test_paging_the_feed_yields_every_record_once_and_matches_stats(client):
    changes, cursor, pages = await pull_all(client)
    stats = (await client.get("/v1/stats")).json()
    keys = [(c["entity"], c["id"]) for c in changes]
    assert len(keys) == len(set(keys))
    assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)
    assert dict(Counter(c["entity"] for c in changes)) == {
        e: n for e, n in stats["entities"].items() if n
    }
    assert cursor == stats["cursor"] == str(len(changes))
    assert pages == -(-len(changes) // 100)
    assert all(c["op"] == "upsert" and c["data"]["id"] == c["id"] for c in changes)


async def test_health_reports_the_head_cursor(client):
    health = (await client.get("/v1/health")).json()
    stats = (await client.get("/v1/stats")).json()
    assert health["status"] == "ok" and health["protocol"] == 1
    assert health["cursor"] == stats["cursor"]


async def test_feed_is_utf8_json_and_the_default_page_is_500(client):
    response = await client.get("/v1/changes")
    assert response.headers["content-type"].startswith("application/json")
    page = json.loads(response.content.decode("utf-8"))
    assert len(page["changes"]) == 500 and page["more"] is True
    assert page["cursor"] == "500"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("cursor=abc", "bad_cursor"),
        ("cursor=-1", "bad_cursor"),
        ("cursor=1.5", "bad_cursor"),
        ("limit=0", "bad_limit"),
        ("limit=ten", "bad_limit"),
        ("limit=-5", "bad_limit"),
    ],
)
async def test_bad_parameters_answer_400_with_a_code_and_a_message(client, query, code):
    response = await client.get(f"/v1/changes?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == code and response.json()["message"]


async def test_a_cursor_ahead_of_the_feed_is_unknown(client):
    response = await client.get("/v1/changes", params={"cursor": "999999999"})
    assert response.status_code == 410
    assert response.json()["error"] == "cursor_unknown"


async def test_large_limits_are_served_in_pages_of_at_most_5000(client):
    page = (await client.get("/v1/changes", params={"limit": 100000})).json()
    assert 0 < len(page["changes"]) <= 5000


async def test_injected_and_deleted_records_appear_at_the_end_of_the_feed(app, client):
    store: CoreStore = app.state.store
    _, cursor, _ = await pull_all(client)
    borrower = store.get("borrower", "B000001") | {"name": HOSTILE}
    seq = store.upsert("borrower", "B000001", borrower)
    store.delete("callback", "nonexistent")
    dead = store.delete("loan", "L000002-1")
    changes, new_cursor, _ = await pull_all(client, cursor)
    assert [(c["entity"], c["id"], c["op"]) for c in changes] == [
        ("borrower", "B000001", "upsert"),
        ("loan", "L000002-1", "delete"),
    ]
    assert changes[0]["seq"] == seq and changes[0]["data"]["name"] == HOSTILE
    assert changes[1]["seq"] == dead and changes[1]["data"] is None
    stats = (await client.get("/v1/stats")).json()
    assert stats["cursor"] == new_cursor
    everything, _, _ = await pull_all(client)
    assert stats["entities"]["loan"] == sum(
        1 for c in everything if c["entity"] == "loan" and c["op"] == "upsert"
    )


async def test_unknown_paths_answer_json_404(client):
    response = await client.get("/v2/nothing")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_a_store_is_generated_once_and_refused_for_other_parameters(tmp_path):
    path = tmp_path / "core.db"
    first = open_portfolio(path, 10, 3, AS_OF)
    head = first.head()
    first.upsert("agent", "A999", {"id": "A999", "name": "测试", "role": "agent", "queues": []})
    first.close()
    again = open_portfolio(path, 10, 3, AS_OF)
    assert again.head() == head + 1  # reopened, not regenerated
    again.close()
    with pytest.raises(PortfolioMismatch, match="seed=3"):
        open_portfolio(path, 10, 4, AS_OF)


def test_cli_generate_builds_the_store_and_reports_counts(tmp_path):
    path = tmp_path / "cli.db"
    args = ["generate", "--borrowers", "12", "--seed", "5", "--store", str(path)]
    result = CliRunner().invoke(core, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["built"] is True and report["entities"]["borrower"] == 12
    other = CliRunner().invoke(core, [*args[:4], "6", *args[5:]])
    assert other.exit_code != 0 and "delete the file" in other.output


async def test_the_openapi_document_describes_every_entity_field(client):
    document = (await client.get("/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert set(document["paths"]) == {"/v1/health", "/v1/changes", "/v1/stats", "/v1/actions",
                                      "/v1/events", "/v1/openapi.json", "/v1/events/poll",
                                      "/v1/agents/me", "/v1/agents/me/state",
                                      "/v1/calls/{call_id}/{verb}", "/v1/callbacks/figures",
                                      "/v1/callbacks/next/claim",
                                      "/v1/callbacks/{callback_id}/{verb}",
                                      "/v1/wallboard", "/v1/me", "/v1/audit/reveals"}  # fmt: skip
    borrower = schemas["Borrower"]["properties"]
    assert borrower["phones"] == {"type": "array", "items": {"$ref": "#/components/schemas/Phone"}}
    assert schemas["Interaction"]["properties"]["agent_id"]["anyOf"][1] == {"type": "null"}
    changes, _, _ = await pull_all(client, limit=5000)
    for change in changes:
        cls = change["entity"].capitalize()
        assert set(change["data"]) == set(schemas[cls]["required"]), cls


async def test_the_openapi_document_covers_every_route_and_its_error_answers(app, client):
    document = (await client.get("/v1/openapi.json")).json()
    served = {(route.path, method.lower()) for route in app.routes for method in route.methods}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == served - {(path, "head") for path, _ in served}
    actions = document["paths"]["/v1/actions"]["post"]
    assert set(actions["responses"]) == {"200", "201", "400", "401", "403", "409", "422"}
    assert actions["parameters"][0]["name"] == "Idempotency-Key"
    events = document["paths"]["/v1/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    assert set(document["paths"]["/v1/changes"]["get"]["responses"]) >= {"400", "401", "410"}
    schemas = document["components"]["schemas"]
    union = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["Action"]["oneOf"]}
    assert union == {"NoteAction", "DispositionAction", "PromiseAction", "CallbackAction",
                     "EscalationAction", "MessageAction", "RevealAuditAction",
                     "LinkNumberAction", "CallbackOutcomeAction",
                     "EscalationUpdateAction"}  # fmt: skip
    promise = schemas["PromiseAction"]["properties"]["payload"]
    assert promise["required"] == ["loan_id", "amount", "promised_date"]
    assert promise["properties"]["amount"]["minimum"] == 1
