"""A call through the real core: its ACD offers a call to the desk over the live event stream.

The core runs under uvicorn on 127.0.0.1 with the simulated ACD (no scripted colleagues: the
desk's agent is the only one); the desk runs with a real ``SyncRunner``. Keys only, from
"available" to "available again": F5, Enter (answer), F4 (end), a digit and Enter (disposition,
save and ready). The core receives the disposition exactly once, with the call's id.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
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
        started = time.perf_counter()
        call_id = acd.inject(number, acd.agents[AGENT].queues[0], datetime.now(UTC)).call_id
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CallPopScreen),
            timeout=WITHIN,
            what="the screen pop",
        )
        behind = app.screen_stack[-2]
        assert isinstance(behind, BorrowerScreen) and behind.borrower_id == CALLER
        await wait_for(pilot, lambda: behind.is_ready, what="the view behind the pop")
        print(
            f"offer → pop with the borrower's view ready in {time.perf_counter() - started:.2f} s"
        )
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


def borrower_with_open_loan(store) -> str:
    """A borrower of the core with a loan still being repaid (a promise can be taken)."""
    for _, loan_id, _ in store.iter_records("loan"):
        loan = store.get("loan", loan_id)
        if loan["status"] in ("active", "overdue"):
            return loan["borrower_id"]
    raise AssertionError("no open loan in the core")


def core_changes(url: str) -> list[tuple[str, str]]:
    """(entity, id) of every change of the core's feed, in feed order."""
    found, cursor = [], "0"
    while True:
        page = httpx.get(f"{url}/v1/changes", params={"cursor": cursor, "limit": 5000}).json()
        found += [(c["entity"], c["id"]) for c in page["changes"]]
        cursor = page["cursor"]
        if not page["more"]:
            return found


async def test_offer_answer_note_promise_escalate_end_disposition_available(acd_core, tmp_path):
    """The issue's scenario, by keys, against the real core: exactly those actions reach the
    core, once each, in the order they were taken."""
    from workbench.ui.screens.forms.escalate import EscalateScreen
    from workbench.ui.screens.forms.promise import PromiseScreen
    from workbench.ui.screens.note import NoteScreen

    cache = tmp_path / "desk.db"
    await pull_from(cache, acd_core.url)
    caller = borrower_with_open_loan(acd_core.store)

    def runner(on_status):
        app = on_status.__self__
        return SyncRunner(
            cache, acd_core.url, on_status=on_status, on_call_event=app.report_call_event
        )

    async with run_desk(cache, sync=runner) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: app.call_state.known, timeout=WITHIN, what="the snapshot")
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.call_state.agent_state == "available", timeout=WITHIN)
        acd = acd_core.app.state.calls.build()
        number = acd_core.store.get("borrower", caller)["phones"][0]["number"]
        acd.inject(number, acd.agents[AGENT].queues[0], datetime.now(UTC))
        await wait_for(
            pilot, lambda: isinstance(app.screen, CallPopScreen), timeout=WITHIN, what="pop"
        )
        assert app.screen_stack[-2].borrower_id == caller
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.call_state.talking, timeout=WITHIN, what="answered")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="the view")
        await wait_for_view(pilot)

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), what="note form")
        await pilot.press(*"asked when the next installment is due", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="note saved")

        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PromiseScreen), what="promise")
        form = app.screen
        await wait_for(pilot, lambda: app.focused is form.query_one("#loan"))
        await pilot.press("tab", *"1000", "tab", *"+3", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="promised")

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EscalateScreen), what="escalate")
        form = app.screen
        await wait_for(pilot, lambda: app.focused is form.query_one("#dept-supervisor"))
        await pilot.press("tab", "tab", "enter", *"asks for the legal team", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="escalated")

        await pilot.press("f4")
        await wait_for(
            pilot, lambda: isinstance(app.screen, WrapUpScreen), timeout=WITHIN, what="ACW"
        )
        await pilot.press("1", "enter")
        await wait_for(
            pilot,
            lambda: app.call_state.agent_state == "available",
            timeout=WITHIN * 2,
            what="available again",
        )
        await wait_for(
            pilot, lambda: app.sync_status.pending == 0, timeout=WITHIN, what="all delivered"
        )

    taken = [
        (entity, record_id)
        for entity, record_id in core_changes(acd_core.url)
        if record_id[:2] in ("N-", "P-", "E-", "D-")
    ]
    assert [(entity, record_id[0]) for entity, record_id in taken] == [
        ("interaction", "N"),
        ("promise", "P"),
        ("escalation", "E"),
        ("interaction", "D"),
    ]
    stats = httpx.get(f"{acd_core.url}/v1/stats").json()["actions"]
    assert stats["applied"] == 4
    escalation = acd_core.store.get("escalation", taken[2][1])
    assert escalation["department"] == "legal" and escalation["borrower_id"] == caller
