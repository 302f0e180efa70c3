"""Forms against the real core under uvicorn on 127.0.0.1: an action is pending at once,
confirmed once the background sync has delivered it, and the core has it exactly once."""

from __future__ import annotations

import json

import httpx
import pytest
from desk_pilot import run_desk, wait_for, wait_for_view
from forms_pilot import set_input
from textual.widgets import Select

from workbench.core.auth import Identity
from workbench.sync.pull import pull_from
from workbench.sync.runner import SyncRunner, SyncState
from workbench.ui.roles import ENV_ROLE
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.forms.escalate import EscalateScreen
from workbench.ui.screens.forms.promise import PromiseScreen
from workbench.ui.screens.forms.reveal import RevealScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel

CONFIRMED_WITHIN = 20.0  # seconds; the aim is about one, the rest allows for a loaded machine


@pytest.fixture
def live_core(own_core):
    # a core without tokens treats every caller as A001; the reveal needs a supervisor
    return own_core(borrowers=20, seed=5, demo_identity=Identity("A001", "supervisor"))


@pytest.fixture
async def live_cache(live_core, tmp_path):
    path = tmp_path / "desk.db"
    await pull_from(path, live_core.url)
    return path


def open_loan_borrower(store) -> str:
    """A borrower of the core with a loan still open."""
    for _, _, data in store.iter_records("loan"):
        loan = json.loads(data)
        if loan["status"] in ("active", "overdue"):
            return loan["borrower_id"]
    raise AssertionError("the demo core has no open loan")


def records_of(store, entity: str, borrower_id: str) -> list[dict]:
    found = [json.loads(data) for _, _, data in store.iter_records(entity)]
    return [r for r in found if r["borrower_id"] == borrower_id]


async def test_promise_escalation_and_reveal_reach_the_core_once_each(
    live_core, live_cache, monkeypatch
):
    monkeypatch.setenv(ENV_ROLE, "supervisor")
    borrower_id = open_loan_borrower(live_core.store)
    sync = lambda on_status: SyncRunner(live_cache, live_core.url, on_status=on_status)  # noqa: E731
    async with run_desk(live_cache, sync=sync) as pilot:
        await wait_for(
            pilot,
            lambda: pilot.app.sync_status and pilot.app.sync_status.state == SyncState.LIVE,
            timeout=20,
            what="live sync",
        )
        pilot.app.open_borrower(borrower_id)
        await wait_for_view(pilot)

        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromiseScreen))
        set_input(pilot.app.screen, "#amount", "1,000")
        set_input(pilot.app.screen, "#promised-date", "+3")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, EscalateScreen))
        form = pilot.app.screen
        form.choose("legal")
        form.query_one("#reason").insert("客户已委托律师")
        form.query_one("#priority", Select).value = "high"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))

        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RevealScreen))
        form = pilot.app.screen
        set_input(form, "#reason", "客户来电核实身份")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.shown is not None, what="the revealed value")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))

        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: pilot.app.sync_status.confirmed == 3 and pilot.app.sync_status.pending == 0,
            timeout=CONFIRMED_WITHIN,
            what="three actions confirmed",
        )
        panel = pilot.app.screen.query_one(FollowUpsPanel)
        await wait_for(pilot, lambda: not panel.marks, what="no pending mark left")

    [promise] = records_of(live_core.store, "promise", borrower_id)[-1:]
    assert promise["amount"] == 100000 and promise["status"] == "pending"
    escalations = [
        e
        for e in records_of(live_core.store, "escalation", borrower_id)
        if e["reason"] == "客户已委托律师"
    ]
    assert len(escalations) == 1 and escalations[0]["department"] == "legal"
    assert escalations[0]["snapshot"]  # the core's own snapshot of the loan
    stats = httpx.get(f"{live_core.url}/v1/stats").json()
    assert stats["actions"]["by_type"] == {"promise": 1, "escalation": 1, "reveal_audit": 1}
