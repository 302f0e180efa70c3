"""Next callback through the real core: claim, dial, hang up while it rings, outcome.

The core runs under uvicorn on 127.0.0.1 with the simulated ACD (the desk's agent alone) on a
clock that starts at the desk's fixed morning and runs at wall speed, so the contact window is
open; the desk runs with a real ``SyncRunner``. Keys only: F5 (available), F12 (next
callback: the core's claim, the borrower's view, the outbound call), F4 (hang up while it
rings), Ctrl+S (outcome "no answer", which is the call's wrap-up). The core records the
attempt once and the desk's outbox entry is confirmed.
"""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
from call_pilot import AGENT
from desk_pilot import NOW, run_desk, wait_for

from workbench.core.acd_model import AcdConfig
from workbench.store import outbox
from workbench.store.db import connect
from workbench.sync.pull import pull_from
from workbench.sync.runner import SyncRunner
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.callback_outcome import OutcomeScreen

WITHIN = 15.0  # seconds: generous for a loaded 2-core machine


def call_bar(pilot) -> str:
    return str(pilot.app.screen.query_one("#call-bar").render())


@pytest.fixture
def callback_core(own_core):
    start = time.monotonic()

    def clock():
        return NOW.astimezone(UTC) + timedelta(seconds=time.monotonic() - start)

    return own_core(borrowers=30, acd=AcdConfig(colleagues=0, humans=(AGENT,)), acd_clock=clock)


def outcome_entries(path) -> list[outbox.OutboxEntry]:
    conn = connect(path)
    try:
        rows = conn.execute("SELECT key FROM outbox WHERE type = 'callback_outcome'").fetchall()
        return [outbox.get(conn, key) for (key,) in rows]
    finally:
        conn.close()


async def test_next_callback_through_the_core_claim_dial_outcome(callback_core, tmp_path):
    cache = tmp_path / "desk.db"
    await pull_from(cache, callback_core.url)

    def runner(on_status):
        app = on_status.__self__
        return SyncRunner(
            cache, callback_core.url, on_status=on_status, on_call_event=app.report_call_event
        )

    async with run_desk(cache, sync=runner) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: app.call_state.known, timeout=WITHIN, what="the snapshot")
        await pilot.press("f5")
        await wait_for(pilot, lambda: "可用" in call_bar(pilot), timeout=WITHIN, what="available")
        await pilot.press("f12")
        await wait_for(
            pilot, lambda: app.callbacks.phase == "calling", timeout=WITHIN, what="the dial"
        )
        row = app.callbacks.row
        assert row is not None
        assert isinstance(app.screen, BorrowerScreen)
        assert app.screen.borrower_id == row.callback.borrower_id
        claimed = callback_core.store.get("callback", row.id)
        assert claimed["claimed_by"] == AGENT
        await wait_for(pilot, lambda: "外呼" in call_bar(pilot), timeout=WITHIN, what="the bar")
        await pilot.press("f4")  # hang up (while it rings, or picked up already)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, OutcomeScreen),
            timeout=WITHIN,
            what="the outcome form",
        )
        await pilot.press("2", "ctrl+s")  # no answer
        await wait_for(
            pilot,
            lambda: app.call_state.agent_state == "available",
            timeout=WITHIN * 2,
            what="available again",
        )
        await wait_for(
            pilot,
            lambda: [e.status for e in outcome_entries(cache)] == ["confirmed"],
            timeout=WITHIN,
            what="the outcome confirmed",
        )
    done = callback_core.store.get("callback", row.id)
    assert done["attempts"] == row.attempts + 1
    assert done["last_outcome"] == "no_answer"
    assert done["claimed_by"] is None
    attempts = [s for s in done["history"] if s["kind"] == "attempt"]
    assert len(attempts) == 1
