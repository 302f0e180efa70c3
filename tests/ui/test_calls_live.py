"""A call through the real core: its ACD offers a call to the desk over the live event stream.

The core runs under uvicorn on 127.0.0.1 with the simulated ACD (no scripted colleagues: the
desk's agent is the only one); the desk runs with a real ``SyncRunner``. Keys only, from
"available" to "available again": F5, Enter (answer), F4 (end), a digit and Enter (disposition,
save and ready). The core receives the disposition exactly once, with the call's id.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from call_pilot import AGENT
from desk_pilot import run_desk, screen_text, wait_for, wait_for_view

from workbench.core.acd_model import AcdConfig
from workbench.sync.pull import pull_from
from workbench.sync.runner import SyncRunner
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.call_pop import CallPopScreen
from workbench.ui.screens.wrap_up import WrapUpScreen

CALLER = "B000004"
WITHIN = 10.0  # seconds: generous for a loaded 2-core machine


def call_bar(pilot) -> str:
    return str(pilot.app.screen.query_one("#call-bar").render())


@pytest.fixture
def acd_core(own_core):
    return own_core(borrowers=30, acd=AcdConfig(colleagues=0, humans=(AGENT,)))


async def test_a_call_from_the_core_offer_to_available_again(acd_core, tmp_path):
    cache = tmp_path / "desk.db"
    await pull_from(cache, acd_core.url)

    def runner(on_status):
        app = on_status.__self__  # run_desk hands the app's status callback
        return SyncRunner(
            cache, acd_core.url, on_status=on_status, on_call_event=app.report_call_event
        )

    async with run_desk(cache, sync=runner) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: app.call_state.known, timeout=WITHIN, what="the snapshot")
        assert "离线" in call_bar(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "可用" in call_bar(pilot), timeout=WITHIN, what="available")

        acd = acd_core.app.state.calls.build()
        number = acd_core.store.get("borrower", CALLER)["phones"][0]["number"]
        call_id = acd.inject(number, acd.agents[AGENT].queues[0], datetime.now(UTC)).call_id
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CallPopScreen),
            timeout=WITHIN,
            what="the screen pop",
        )
        behind = app.screen_stack[-2]
        assert isinstance(behind, BorrowerScreen) and behind.borrower_id == CALLER
        assert number not in screen_text(pilot)

        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, BorrowerScreen) and app.call_state.talking,
            timeout=WITHIN,
            what="the call answered",
        )
        await wait_for_view(pilot)
        assert "通话中" in call_bar(pilot)

        await pilot.press("f4")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, WrapUpScreen) and app.call_state.in_wrap_up,
            timeout=WITHIN,
            what="after-call work",
        )
        await pilot.press("1", "enter")
        await wait_for(
            pilot,
            lambda: app.call_state.agent_state == "available",
            timeout=WITHIN * 2,
            what="available again",
        )
        assert "可用" in call_bar(pilot)

    dispositions = [
        data
        for _, record_id, _ in acd_core.store.iter_records("interaction")
        if (data := acd_core.store.get("interaction", record_id))["id"].startswith("D-")
    ]
    assert len(dispositions) == 1
    assert dispositions[0]["borrower_id"] == CALLER
    assert dispositions[0]["channel"] == "call_in"
    assert call_id
