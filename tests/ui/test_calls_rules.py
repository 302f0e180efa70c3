"""The desk's call rules (``ui.calls``) as plain functions: what each event does to the state."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from call_pilot import AGENT, agent_event, answered, call_event, ended, held, offered
from desk_pilot import NOW

from workbench.domain.calls import CallEvent
from workbench.ui import calls as rules
from workbench.ui.calls import DeskCalls, apply_event


def fold(*events: CallEvent, now=NOW, start: DeskCalls | None = None) -> DeskCalls:
    state = start or DeskCalls()
    for event in events:
        state = apply_event(state, event, agent_id=AGENT, now=now)
    return state


def test_an_offer_to_this_agent_rings_with_the_single_match_as_the_caller():
    state = fold(agent_event("available"), call_event("offered", offered(["B1"])))
    assert state.ringing and state.borrower_id == "B1" and state.known
    assert rules.waited_s(state, NOW + timedelta(seconds=5)) == 35 + 5


def test_several_or_no_matches_leave_the_caller_open():
    assert fold(call_event("offered", offered(["B1", "B2"]))).borrower_id is None
    assert fold(call_event("offered", offered([]))).borrower_id is None


def test_other_agents_calls_and_states_change_nothing():
    other = offered(["B1"])
    other = other.__class__(
        **{**{f: getattr(other, f) for f in other.__slots__}, "agent_id": "A002"}
    )
    state = fold(agent_event("available"))
    assert fold(call_event("offered", other), start=state) == state
    foreign = CallEvent(type="agent.state", agent=None)
    assert fold(foreign, start=state) == state


def test_answer_hold_resume_end_then_wrap_up_until_saved():
    call = offered(["B1"])
    state = fold(call_event("offered", call), call_event("answered", answered(call)))
    assert state.talking and not state.held and state.call_since == NOW
    state = fold(call_event("held", held(answered(call))), start=state)
    assert state.held and state.held_since == NOW
    state = fold(call_event("resumed", answered(call)), start=state)
    assert not state.held
    end_at = NOW + timedelta(seconds=90)
    state = fold(
        call_event("ended", ended(answered(call), end_at)),
        agent_event("after_call", end_at),
        start=state,
        now=end_at,
    )
    assert state.call is None and state.in_wrap_up
    assert state.wrap is not None and state.wrap.borrower_id == "B1" and not state.wrap.saved
    assert rules.call_duration_s(state.wrap) == 90
    state = rules.wrap_saved(state, "CALL-1")
    assert state.wrap.saved
    state = fold(agent_event("available", end_at), start=state, now=end_at)
    assert state.wrap is None and state.agent_state == "available"


def test_a_caller_who_hangs_up_while_it_rings_leaves_nothing_to_wrap_up():
    call = offered(["B1"])
    state = fold(call_event("offered", call), call_event("abandoned", ended(call, NOW)))
    assert state.call is None and state.wrap is None


def test_an_offer_withdrawn_back_to_the_queue_stops_the_ringing():
    call = offered(["B1"])
    requeued = replace(call, state="queued", agent_id=None)
    state = fold(call_event("offered", call), call_event("offered", requeued))
    assert state.call is None


def test_a_snapshot_after_reconnect_restores_the_call_and_the_state():
    call = answered(offered(["B1"]), NOW - timedelta(minutes=2))
    snap = CallEvent(type="snapshot", agent=agent_event("on_call").agent, calls=(call,))
    state = fold(snap)
    assert state.talking and state.agent_state == "on_call"
    assert rules.seconds_since(state.call_since, NOW) == 120
    assert fold(CallEvent(type="snapshot", calls=()), start=state).call is None


def test_core_times_far_off_the_desk_clock_fall_back_to_when_the_desk_learnt():
    assert rules.started("2026-11-27T01:59:00Z", NOW) == NOW - timedelta(minutes=1)
    assert rules.started("2020-01-01T00:00:00Z", NOW) == NOW
    assert rules.started("2030-01-01T00:00:00Z", NOW) == NOW
    assert rules.started("not a time", NOW) == NOW


def test_timer_text():
    assert rules.clock_text(0) == "00:00"
    assert rules.clock_text(75) == "01:15"
    assert rules.clock_text(3723) == "1:02:03"
    assert rules.clock_text(-5) == "00:00"


def test_call_keys_have_ids_and_every_call_text_is_in_both_catalogs():
    import re
    from pathlib import Path

    from workbench.ui import i18n
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.call_keys import CALL_BINDINGS
    from workbench.ui.screens.call_pop import CallPopScreen
    from workbench.ui.screens.wrap_up import WrapUpScreen

    zh, en = i18n.catalog("zh"), i18n.catalog("en")
    for binding in [*CALL_BINDINGS, *CallPopScreen.BINDINGS, *WrapUpScreen.BINDINGS]:
        assert binding.id and binding.description in zh and binding.description in en
    assert {b.id for b in CALL_BINDINGS} <= {b.id for b in WorkbenchApp.BINDINGS}
    root = Path(__file__).parents[2] / "workbench" / "ui"
    files = [
        "call_desk.py",
        "call_link.py",
        "screens/call_pop.py",
        "screens/wrap_up.py",
        "call_bar_text.py",
    ]
    used = {
        key
        for name in files
        for key in re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", (root / name).read_text())
    }
    assert used and not (used - set(zh)) and not (used - set(en))
    for state in ("offline", "available", "on_call", "after_call", "break"):
        assert f"agent_state.{state}" in zh


def test_a_snapshot_in_after_call_work_brings_back_the_wrap_up_when_the_core_lists_the_call():
    call = ended(answered(offered(["B1"])), NOW)
    agent = agent_event("after_call", call_id="CALL-1").agent
    state = fold(CallEvent(type="snapshot", agent=agent, calls=(call,)))
    assert state.in_wrap_up and state.wrap is not None and state.wrap.borrower_id == "B1"
    assert state.call is None
    without = fold(CallEvent(type="snapshot", agent=agent, calls=()))
    assert without.in_wrap_up and without.wrap is None
