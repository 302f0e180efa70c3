"""Picture of the desk with a call ringing from an unknown number (pop over the search)."""

from __future__ import annotations

from call_pilot import TelephonySync, agent_event, call_event, offered
from desk_pilot import SIZE, wait_for

from workbench.ui.screens.call_pop import CallPopScreen


def test_desk_with_an_offered_call_from_an_unknown_number(snap_compare, make_app, demo_cache):
    app = make_app(demo_cache)
    app.sync = TelephonySync()

    async def ring(pilot) -> None:
        await wait_for(pilot, lambda: app.sync_status is not None, what="the first status poll")
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", offered([], number="02087654321")))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ring)
