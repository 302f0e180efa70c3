"""Call-handling actions through the outbox to a real in-process core and back."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import orjson
import pytest

from workbench.core.app import build_app
from workbench.core.call_routes import disposed
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore
from workbench.store import call_actions
from workbench.store.db import connect
from workbench.store.queries import get_borrower
from workbench.sync.client import make_client
from workbench.sync.pull import pull
from workbench.sync.push import push

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def body_of(conn, key: str) -> dict:
    (body,) = conn.execute("SELECT body FROM outbox WHERE key = ?", (key,)).fetchone()
    return orjson.loads(body)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("calls-core") / "core.db"
    open_portfolio(path, 20, 5, date(2026, 11, 27)).close()
    return path


@pytest.fixture
async def desk(template, tmp_path):
    """(cache connection, client of a 20-borrower core, the core app)."""
    shutil.copy(template, tmp_path / "core.db")
    store = CoreStore.open(tmp_path / "core.db")
    app = build_app(store)
    conn = connect(tmp_path / "cache.db")
    async with make_client("http://core.test", transport=httpx.ASGITransport(app)) as client:
        await pull(conn, client)
        yield conn, client, app
    conn.close()
    store.close()


async def test_linking_a_number_reaches_the_borrower_record(desk) -> None:
    conn, client, _app = desk
    action = call_actions.link_number(
        conn, "B000002", "17712340000", agent_id="A001", call_id="K1-000001", now=NOW
    )
    assert action.status == "pending" and action.record_id.startswith("L-")
    assert body_of(conn, action.key)["payload"] == {"number": "17712340000", "call_id": "K1-000001"}
    assert (await push(conn, client)).confirmed == 1
    await pull(conn, client)
    phones = [p.number for p in get_borrower(conn, "B000002").phones]
    assert phones[-1] == "17712340000"
    with pytest.raises(call_actions.ValidationError) as again:
        call_actions.link_number(conn, "B000002", "17712340000", agent_id="A001")
    assert again.value.key == "number.linked"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"number": "12-34"}, "number.invalid"),
        ({"call_id": "no spaces please"}, "call_id.invalid"),
        ({"borrower_id": "B999999"}, "borrower_id.unknown"),
    ],
)
async def test_link_number_refuses_bad_input(desk, kwargs, key) -> None:
    conn, _client, _app = desk
    args = {"borrower_id": "B000001", "number": "17712340001", "call_id": "K1-1"} | kwargs
    with pytest.raises(call_actions.ValidationError) as refused:
        call_actions.link_number(conn, agent_id="A001", **args)
    assert refused.value.key.startswith(key.split(".")[0])
    assert "/" in str(refused.value)  # Chinese / English


async def test_a_call_disposition_names_its_call_at_the_core(desk) -> None:
    conn, client, app = desk
    action = call_actions.record_call_disposition(
        conn, "B000001", "已解答", call_id="K1-000002", agent_id="A001", duration_s=95, now=NOW
    )
    assert body_of(conn, action.key)["payload"]["call_id"] == "K1-000002"
    assert (await push(conn, client)).confirmed == 1
    assert disposed(app.state.store, "K1-000002")
    assert not disposed(app.state.store, "K1-000003")
