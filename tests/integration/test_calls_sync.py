"""Call handling end to end: a desk's sync and the core's simulated ACD.

Over HTTP (uvicorn on 127.0.0.1, call events by SSE) and over the embedded demo's in-process
transport (call events by long-poll), a ``SyncRunner`` gets the offer for its agent, answers it
through ``control`` and sees the core's answer come back as events.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from workbench.cli.desk import DeferredSync
from workbench.core import create_app
from workbench.core.acd_model import AcdConfig
from workbench.domain.calls import CallCommand, CallEvent
from workbench.store import call_actions
from workbench.store.db import connect
from workbench.sync.runner import SyncRunner

DESK_ONLY = AcdConfig(colleagues=0, humans=("A001",))


class Events:
    """The call events a runner delivered (from its thread), waited on by the test."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[CallEvent] = queue.Queue()
        self.seen: list[CallEvent] = []

    def __call__(self, event: CallEvent) -> None:
        self.inbox.put(event)

    def wait(self, match: Callable[[CallEvent], bool], timeout: float = 10.0) -> CallEvent:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.inbox.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if match(event):
                return event
        kinds = [e.type for e in self.seen]
        raise AssertionError(f"no matching call event within {timeout} s; saw {kinds}")


def is_type(kind: str, call_id: str | None = None) -> Callable[[CallEvent], bool]:
    def match(event: CallEvent) -> bool:
        return event.type == kind and (call_id is None or event.call.call_id == call_id)

    return match


def agent_is(state: str) -> Callable[[CallEvent], bool]:
    def match(event: CallEvent) -> bool:
        return event.type == "agent.state" and (event.agent.agent_id, event.agent.state) == (
            "A001",
            state,
        )

    return match


def number_of(app, borrower_id: str) -> str:
    return app.state.store.get("borrower", borrower_id)["phones"][0]["number"]


def inject(app, number: str) -> str:
    acd = app.state.calls.build()
    queue_id = acd.agents["A001"].queues[0]
    return acd.inject(number, queue_id, datetime.now(UTC)).call_id


def test_a_desk_takes_a_call_over_the_event_stream(own_core, tmp_path: Path) -> None:
    core = own_core(borrowers=30, acd=DESK_ONLY)
    events = Events()
    runner = SyncRunner(tmp_path / "desk.db", core.url, on_call_event=events)
    runner.start()
    try:
        snapshot = events.wait(is_type("snapshot"))
        assert snapshot.agent.agent_id == "A001" and snapshot.agent.state == "offline"
        runner.control(CallCommand("state", state="available"))
        events.wait(agent_is("available"))

        call_id = inject(core.app, number_of(core.app, "B000004"))
        offered = events.wait(is_type("call.offered", call_id))
        assert offered.call.agent_id == "A001" and "B000004" in offered.call.borrower_ids
        runner.control(CallCommand("answer", call_id))
        answered = events.wait(is_type("call.answered", call_id))
        assert answered.call.state == "active" and answered.call.answered_at

        runner.control(CallCommand("hold", call_id))
        events.wait(is_type("call.held", call_id))
        runner.control(CallCommand("answer", call_id))
        refused = events.wait(is_type("error"))
        assert "held" in refused.message
        runner.control(CallCommand("resume", call_id))
        events.wait(is_type("call.resumed", call_id))
        runner.control(CallCommand("end", call_id))
        events.wait(is_type("call.ended", call_id))
        events.wait(agent_is("after_call"))

        runner.control(CallCommand("state", state="available"))
        assert "disposition" in events.wait(is_type("error")).message
        # The call events can outrun the first pull: the borrower must be cached to act on.
        deadline = time.monotonic() + 10
        while runner.status.last_sync_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        conn = connect(tmp_path / "desk.db")
        try:
            call_actions.record_call_disposition(
                conn, "B000004", "已解答", call_id=call_id, agent_id="A001", duration_s=30
            )
        finally:
            conn.close()
        runner.poke()
        deadline = time.monotonic() + 10
        while runner.status.confirmed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.control(CallCommand("state", state="available"))
        events.wait(agent_is("available"))
    finally:
        runner.stop()


def test_the_embedded_demo_gets_calls_by_long_poll(tmp_path: Path) -> None:
    """Poisson arrivals of the core's own ACD reach a desk over the in-process transport."""
    config = AcdConfig(call_rate=40.0, patience_s=600, colleagues=0, humans=("A001",), seed=3)
    app = create_app(
        tmp_path / "core.db", borrowers=30, seed=3, as_of=date(2026, 11, 27), acd=config
    )
    events = Events()
    sync = DeferredSync(
        lambda: SyncRunner(
            tmp_path / "desk.db",
            "http://demo-core",
            transport=httpx.ASGITransport(app=app),
            events=False,
            on_call_event=events,
        ),
        on_call_event=events,
    )
    sync.control(CallCommand("answer", "K-early"))
    assert "not started" in events.wait(is_type("error")).message
    sync.start()
    try:
        assert events.wait(is_type("snapshot")).agent.state == "offline"
        sync.control(CallCommand("state", state="available"))
        events.wait(agent_is("available"))
        offered = events.wait(lambda e: e.type == "call.offered" and e.call.agent_id == "A001")
        sync.control(CallCommand("answer", offered.call.call_id))
        answered = events.wait(is_type("call.answered", offered.call.call_id))
        assert answered.call.number == offered.call.number
        sync.control(CallCommand("end", "K-nope"))
        assert "no call K-nope" in events.wait(is_type("error")).message
    finally:
        sync.stop()
        app.state.store.close()


@pytest.mark.parametrize("verb", ["answer", "state"])
def test_incomplete_commands_are_reported_not_sent(tmp_path: Path, verb: str) -> None:
    app = create_app(tmp_path / "core.db", borrowers=5, seed=3, as_of=date(2026, 11, 27))
    events = Events()
    runner = SyncRunner(
        tmp_path / "desk.db",
        "http://demo-core",
        transport=httpx.ASGITransport(app=app),
        events=False,
        on_call_event=events,
    )
    runner.start()
    try:
        events.wait(is_type("snapshot"))
        runner.control(CallCommand(verb))
        assert "/" in events.wait(is_type("error")).message  # Chinese / English
    finally:
        runner.stop()
        app.state.store.close()
