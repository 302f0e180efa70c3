"""Shared fixtures.

- The whole session runs with ``WORKBENCH_HOME`` in a temporary folder (nothing touches the real
  user folders), no ``WORKBENCH_DB``/``WORKBENCH_CORE_URL`` from the developer's shell, and the
  clock fixed by ``WORKBENCH_NOW`` at :data:`NOW` (tests may monkeypatch it further).
- ``feed``: builds change-feed records by hand (valid per ``domain.models``) for store tests.
- ``demo_cache``: path of a cache synced in-process from a core of 300 borrowers, seed 7.
- ``core_server``: base URL of that core served by uvicorn on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import threading
import time
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def core_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo core served by uvicorn on 127.0.0.1 (a free port) in a thread; its base URL."""
    import uvicorn

    from workbench.core import create_app

    store = tmp_path_factory.mktemp("core-served") / "core.db"
    app = create_app(store, borrowers=DEMO_BORROWERS, seed=DEMO_SEED, as_of=DEMO_AS_OF)
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
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def cli_env(workbench_home: Path) -> dict[str, str]:
    """Environment for running ``python -m workbench`` as a subprocess in tests."""
    env = dict(os.environ)
    env.pop("WORKBENCH_DB", None)
    env.pop("WORKBENCH_CORE_URL", None)
    env["WORKBENCH_HOME"] = str(workbench_home)
    env["WORKBENCH_NOW"] = NOW
    return env
