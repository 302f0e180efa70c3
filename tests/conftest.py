"""Shared fixtures.

- The whole session runs with ``WORKBENCH_HOME`` in a temporary folder (nothing touches the real
  user folders), no ``WORKBENCH_DB``/``WORKBENCH_CORE_URL``/``WORKBENCH_DB_KEY`` from the
  developer's shell, ``WORKBENCH_INSECURE_CACHE=1`` (commands may fill plain caches from a core),
  no OS keyring (``PYTHON_KEYRING_BACKEND`` = the null backend), and the clock fixed by
  ``WORKBENCH_NOW`` at :data:`NOW` (tests may monkeypatch it further). Subprocesses keep their
  bytecode in a session folder (``PYTHONPYCACHEPREFIX``) when ``PYTHONDONTWRITEBYTECODE`` is set.
- ``feed``: builds change-feed records by hand (valid per ``domain.models``) for store tests.
- ``demo_cache``: path of a cache synced in-process from a core of 300 borrowers, seed 7.
- ``core_server``: base URL of that core served by uvicorn on 127.0.0.1 in a thread (shared:
  never change it).
- ``own_core``: starts cores of a test's own on 127.0.0.1 (which it may change).
- ``replica_check``: the differences between every record of a core and of a cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workbench.domain.loans import build_schedule

DEMO_BORROWERS = 300
DEMO_SEED = 7
DEMO_AS_OF = date(2026, 11, 27)
NOW = "2026-11-27T10:00:00+08:00"


@pytest.fixture(scope="session", autouse=True)
def workbench_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private WORKBENCH_HOME for the whole session, and a fixed clock."""
    home = tmp_path_factory.mktemp("workbench-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_HOME", str(home))
        mp.setenv("WORKBENCH_NOW", NOW)
        mp.delenv("WORKBENCH_DB", raising=False)
        mp.delenv("WORKBENCH_CORE_URL", raising=False)
        mp.delenv("WORKBENCH_DB_KEY", raising=False)
        mp.setenv("WORKBENCH_INSECURE_CACHE", "1")  # tests of the cache key unset it
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # not the user's
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            # Without bytecode every `python -m workbench` the tests start compiles each module
            # afresh (~0.8 s of CPU a process); theirs goes to a folder of the session instead.
            mp.delenv("PYTHONDONTWRITEBYTECODE")
            mp.setenv("PYTHONPYCACHEPREFIX", str(tmp_path_factory.mktemp("pycache")))
        yield home


class FeedBuilder:
    """Hand-made change-feed records that follow ``workbench.domain.models``.

    Each method returns one change dict (``seq``, ``entity``, ``op``, ``id``, ``data``); keyword
    arguments override fields of ``data``.
    """

    def __init__(self) -> None:
        self.seq = 0

    def change(self, entity: str, data: dict[str, Any], op: str = "upsert") -> dict[str, Any]:
        self.seq += 1
        return {"seq": self.seq, "entity": entity, "op": op, "id": data["id"], "data": data}

    def delete(self, entity: str, record_id: str) -> dict[str, Any]:
        self.seq += 1
        return {"seq": self.seq, "entity": entity, "op": "delete", "id": record_id, "data": None}

    def borrower(self, bid: str = "B1", **kw: Any) -> dict[str, Any]:
        data = {
            "id": bid,
            "name": "张伟",
            "id_no": "11010119900307123X",
            "gender": "M",
            "birth_date": "1990-03-07",
            "phones": [
                {"number": "13812345678", "kind": "mobile", "consent": True, "do_not_call": False}
            ],
            "address": {
                "province": "北京市",
                "city": "北京市",
                "district": "朝阳区",
                "line": "建国路1号",
            },
            "tz": "Asia/Shanghai",
            "employer": "某公司",
            "risk_grade": "B",
            "flags": [],
            "created_at": "2024-01-01T00:00:00Z",
        } | kw
        return self.change("borrower", data)

    def vehicle(self, vid: str = "V1", borrower_id: str = "B1", **kw: Any) -> dict[str, Any]:
        data = {
            "id": vid,
            "borrower_id": borrower_id,
            "vin": "LSVAU2180N2183294",
            "plate": "京A·12345",
            "brand": "大众",
            "model": "朗逸",
            "year": 2023,
            "gps_installed": True,
            "lien_status": "mortgaged",
            "insurance_expiry": "2027-03-01",
        } | kw
        return self.change("vehicle", data)

    def loan(
        self,
        lid: str = "L1",
        borrower_id: str = "B1",
        *,
        paid: int = 0,
        start: date = date(2025, 1, 15),
        **kw: Any,
    ) -> dict[str, Any]:
        """A 36-month ¥100,000 loan at 4.90 % whose first ``paid`` installments are paid."""
        schedule = build_schedule("equal_installment", 10_000_000, 490, 36, start)
        for inst in schedule[:paid]:
            inst.paid_principal, inst.paid_interest = inst.principal, inst.interest
            inst.paid_date = inst.due_date
        data = {
            "id": lid,
            "contract_no": "HT2025-000001",
            "borrower_id": borrower_id,
            "vehicle_id": "V1",
            "product": "equal_installment",
            "principal": 10_000_000,
            "annual_rate_bp": 490,
            "term_months": 36,
            "start_date": start.isoformat(),
            "maturity_date": schedule[-1].due_date,
            "installment_amount": schedule[0].principal + schedule[0].interest,
            "debit_card": "6222021234567890123",
            "status": "active",
            "schedule": [dataclasses.asdict(i) for i in schedule],
            "late_fee_daily_bp": 5,
        } | kw
        return self.change("loan", data)

    def interaction(
        self, iid: str, borrower_id: str = "B1", started_at: str = "2026-11-01T02:00:00Z", **kw
    ) -> dict[str, Any]:
        data = {
            "id": iid,
            "borrower_id": borrower_id,
            "channel": "call_in",
            "agent_id": "A1",
            "started_at": started_at,
            "duration_s": 120,
            "disposition": "info",
            "notes": "客户咨询还款日",
            "outcome": "resolved",
            "loan_id": "L1",
            "queue_id": "Q1",
        } | kw
        return self.change("interaction", data)

    def payment(self, pid: str, borrower_id: str = "B1", **kw: Any) -> dict[str, Any]:
        data = {
            "id": pid,
            "loan_id": "L1",
            "borrower_id": borrower_id,
            "channel": "auto_debit",
            "amount": 299260,
            "posted_at": "2025-02-15T01:00:00Z",
            "status": "posted",
        } | kw
        return self.change("payment", data)


@pytest.fixture
def feed() -> FeedBuilder:
    return FeedBuilder()


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    """Where a test's own cache goes (not created)."""
    return tmp_path / "cache.db"


V3_CACHE = Path(__file__).parent / "data" / "cache-v3.db.gz"
"""A cache written at schema v3 (60 demo borrowers), for the migrations since."""


@pytest.fixture
def v3_cache(tmp_path: Path) -> Path:
    """A copy of :data:`V3_CACHE`, not opened yet (opening it runs the migrations)."""
    import gzip
    import shutil

    path = tmp_path / "cache.db"
    with gzip.open(V3_CACHE) as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


@pytest.fixture(scope="session")
def core_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A reference core store (30 borrowers, seed 3, as of 2026-11-27): copy it, never open it."""
    from workbench.core.portfolio import open_portfolio

    path = tmp_path_factory.mktemp("core-template") / "core.db"
    open_portfolio(path, 30, 3, date(2026, 11, 27)).close()
    return str(path)


@pytest.fixture(scope="session")
def demo_core_app(tmp_path_factory: pytest.TempPathFactory):
    """The reference core app (300 borrowers, seed 7, as of 2026-11-27) over a temp store."""
    from workbench.core import create_app

    store = tmp_path_factory.mktemp("core-inproc") / "core.db"
    return create_app(store, borrowers=DEMO_BORROWERS, seed=DEMO_SEED, as_of=DEMO_AS_OF)


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory, demo_core_app) -> Path:
    """Path of a cache synced in-process (httpx.ASGITransport) from the demo core.

    Treat it as read-only: it is shared by the whole session.
    """
    import httpx

    from workbench.sync.client import make_client
    from workbench.sync.pull import pull

    path = tmp_path_factory.mktemp("demo-cache") / "cache.db"

    async def run() -> None:
        transport = httpx.ASGITransport(app=demo_core_app)
        async with make_client("http://core.test", transport=transport) as client:
            await pull(path, client)

    asyncio.run(run())
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a thread; its base URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="core-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the core server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        events = getattr(app.state, "events", None)
        if events is not None:
            events.close()  # open event streams end, so the server can stop at once
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def core_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo core served by uvicorn on 127.0.0.1 (a free port) in a thread; its base URL."""
    from workbench.core import create_app

    store = tmp_path_factory.mktemp("core-served") / "core.db"
    app = create_app(store, borrowers=DEMO_BORROWERS, seed=DEMO_SEED, as_of=DEMO_AS_OF)
    with serve_app(app) as url:
        yield url


@dataclasses.dataclass
class ServedCore:
    """A core of a test's own, served on 127.0.0.1: ``url``, the ``app`` and its ``store``."""

    url: str
    app: Any

    @property
    def store(self):
        return self.app.state.store


@pytest.fixture
def own_core(tmp_path: Path) -> Iterator[Callable[..., ServedCore]]:
    """Start cores of the test's own (which it may change): ``own_core(borrowers=40, seed=3,
    **build_app_options)``; each is stopped when the test ends."""
    from workbench.core import create_app

    stack = contextlib.ExitStack()
    numbers = itertools.count()

    def start(borrowers: int = 40, seed: int = 3, **options: Any) -> ServedCore:
        store = tmp_path / f"core-{next(numbers)}.db"
        app = create_app(store, borrowers=borrowers, seed=seed, as_of=DEMO_AS_OF, **options)
        return ServedCore(stack.enter_context(serve_app(app)), app)

    with stack:
        yield start


def core_records(url: str, token: str | None = None) -> dict[tuple[str, str], dict]:
    """Every live record of a core, read from ``/v1/changes`` from cursor 0."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    found: dict[tuple[str, str], dict] = {}
    cursor = "0"
    while True:
        page = httpx.get(
            f"{url}/v1/changes", params={"cursor": cursor, "limit": 5000}, headers=headers
        ).json()
        for change in page["changes"]:
            key = (change["entity"], change["id"])
            if change["op"] == "delete":
                found.pop(key, None)
            else:
                found[key] = change["data"]
        cursor = page["cursor"]
        if not page["more"]:
            return found


def cache_records(path: Path) -> dict[tuple[str, str], dict]:
    """Every record in a cache, unpacked as the core sent it."""
    from workbench.store import schema
    from workbench.store.codec import codec_of
    from workbench.store.db import connect

    conn = connect(path)
    try:
        codec = codec_of(conn)
        return {
            (entity, row[0]): codec.unpack(conn, entity, row)
            for entity in schema.ENTITY_TABLES
            for row in conn.execute(f"SELECT {schema.row_columns(entity)} FROM {entity}")
        }
    finally:
        conn.close()


def differences(core: dict, cache: dict) -> list[str]:
    """What differs between two record sets (empty when the cache equals the core)."""
    lines = [f"missing in cache: {k}" for k in core.keys() - cache.keys()]
    lines += [f"not at the core: {k}" for k in cache.keys() - core.keys()]
    lines += [f"differs: {k}" for k in core.keys() & cache.keys() if core[k] != cache[k]]
    return sorted(lines)


@pytest.fixture
def read_cache() -> Callable[[Path], dict[tuple[str, str], dict]]:
    """``read_cache(path)`` → every record of a cache, keyed by (entity, id)."""
    return cache_records


@pytest.fixture
def replica_check() -> Callable[..., list[str]]:
    """``replica_check(url, cache_path)`` → the differences between the core and the cache."""
    return lambda url, path, token=None: differences(core_records(url, token), cache_records(path))


@pytest.fixture
def cli_env(workbench_home: Path) -> dict[str, str]:
    """Environment for running ``python -m workbench`` as a subprocess in tests."""
    env = dict(os.environ)
    env.pop("WORKBENCH_DB", None)
    env.pop("WORKBENCH_CORE_URL", None)
    env["WORKBENCH_HOME"] = str(workbench_home)
    env["WORKBENCH_NOW"] = NOW
    return env
