"""The desk's background sync: its status (live, reconnecting, offline, unauthorized), pushing a
new action at once, catching up after an outage, and a clean stop. The core runs in-process."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from workbench.store import actions, outbox
from workbench.store.db import connect
from workbench.sync.runner import SyncRunner, SyncState, SyncStatus

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class SwitchableCore(httpx.AsyncBaseTransport):
    """The real core app in-process, which a test can take down and bring back."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.mode = "up"  # up | down | unauthorized
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.mode == "down":
            raise httpx.ConnectError("connection refused")
        if self.mode == "unauthorized":
            return httpx.Response(401, json={"error": "unauthorized", "message": "bad token"})
        return await self.inner.handle_async_request(request)


@pytest.fixture
def core_app(tmp_path: Path):
    """A core of the test's own (40 borrowers): the test changes it."""
    from workbench.core import create_app

    return create_app(tmp_path / "core.db", borrowers=40, seed=5, as_of=NOW.date())


@pytest.fixture
def core(core_app):
    return SwitchableCore(core_app)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[SyncStatus] = []
        self.lock = threading.Lock()

    def __call__(self, status: SyncStatus) -> None:
        with self.lock:
            self.seen.append(status)

    def states(self) -> list[str]:
        with self.lock:
            return [s.state.value for s in self.seen]


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


@pytest.fixture
def start(cache: Path, core: SwitchableCore):
    runners: list[SyncRunner] = []

    def make(**options) -> tuple[SyncRunner, Recorder]:
        recorder = Recorder()
        options = {"pull_interval": 0.3, "push_interval": 0.3} | options
        runner = SyncRunner(cache, "http://core", transport=core, on_status=recorder, **options)
        runners.append(runner)
        runner.start()
        return runner, recorder

    yield make
    for runner in runners:
        runner.stop()


def test_live_then_a_new_action_is_pushed_at_once_and_confirmed(start, cache, core_app):
    runner, recorder = start(push_interval=60)
    wait_for(lambda: runner.status.state == SyncState.LIVE)
    assert runner.status.last_sync_at is not None and runner.status.age_seconds() < 5
    conn = connect(cache)
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    action = actions.add_note(conn, bid, "刚写的备注", agent_id="A001", now=NOW)
    runner.poke()
    wait_for(lambda: outbox.get(conn, action.key).status == "confirmed", timeout=20)
    assert core_app.state.store.get("interaction", action.record_id)["notes"] == "刚写的备注"
    wait_for(lambda: runner.status.confirmed == 1 and runner.status.pending == 0)
    assert "pending" not in [s.state for s in recorder.seen]
    runner.stop()
    assert runner.status.state == SyncState.STOPPED and runner.error is None


def test_an_outage_goes_reconnecting_then_offline_and_back_to_live(start, cache, core):
    runner, recorder = start()
    wait_for(lambda: runner.status.state == SyncState.LIVE)
    conn = connect(cache)
    bid = conn.execute("SELECT id FROM borrower LIMIT 1").fetchone()[0]
    core.mode = "down"
    action = actions.add_note(conn, bid, "断网时写的", agent_id="A001", now=NOW)
    runner.poke()
    wait_for(lambda: runner.status.state == SyncState.OFFLINE)
    states = recorder.states()
    assert states.index("reconnecting") < states.index("offline")
    assert runner.status.pending == 1 and "cannot reach" in (runner.status.message or "")
    core.mode = "up"
    wait_for(lambda: runner.status.state == SyncState.LIVE)
    wait_for(lambda: outbox.get(conn, action.key).status == "confirmed", timeout=20)


def test_a_rejected_token_is_a_state_not_a_retry_storm(start, core):
    core.mode = "unauthorized"
    runner, _ = start()
    wait_for(lambda: runner.status.state == SyncState.UNAUTHORIZED)
    before = core.requests
    time.sleep(1.0)  # three pull intervals
    assert core.requests - before <= 1
    assert "token rejected" in runner.status.message
