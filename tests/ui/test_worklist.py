"""The callback worklist at the desk: order and flags, next callback (gate, claim, dial,
outcome), refusals, 回访 score — the real app over a real cache; ``TelephonySync`` stands in
for the network and records the commands, answered here with the events the core sends."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from call_pilot import AGENT, TelephonySync, agent_event, answered, call_event, ended, iso
from desk_pilot import NOW, run_desk, screen_text, wait_for, wait_for_view

from workbench.domain.calls import CallCommand, CallEvent, CallInfo
from workbench.store.callbacks import callback_worklist
from workbench.store.db import connect
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.callback_outcome import OutcomeScreen
from workbench.ui.screens.worklist import WorklistScreen


def telephony(box: list[TelephonySync]):
    def make(on_status) -> TelephonySync:
        box.append(TelephonySync())
        return box[0]

    return make


def worklist(path):
    conn = connect(path)
    try:
        return callback_worklist(conn, AGENT, NOW)
    finally:
        conn.close()


def block_first(path) -> str:
    """Three connected collection calls today on the first row's borrower: its broken-promise
    callback is over the daily cap (a real desk write: call dispositions, channel call_out)."""
    from workbench.store.call_actions import record_call_disposition

    first = worklist(path)[0]
    assert first.reason == "broken_promise"
    conn = connect(path)
    try:
        for n in range(3):
            record_call_disposition(
                conn,
                first.callback.borrower_id,
                "promise",
                call_id=f"K0-00000{n}",
                agent_id="A009",
                channel="call_out",
                now=NOW - timedelta(minutes=60 - 10 * n),
            )
    finally:
        conn.close()
    return first.id


def claimed(row, agent: str = AGENT) -> CallEvent:
    cb = replace(
        row.callback,
        status="claimed",
        claimed_by=agent,
        claim_expires_at=iso(NOW + timedelta(minutes=15)),
    )
    return CallEvent("callback.claimed", callback=cb)


def outbound(row, call_id: str = "K1-000001") -> CallInfo:
    return CallInfo(
        call_id=call_id,
        queue_id="collections",
        number=row.callback.number,
        borrower_ids=[row.callback.borrower_id],
        direction="out",
        state="offered",
        arrived_at=iso(NOW),
        offered_at=iso(NOW),
        agent_id=AGENT,
        callback_id=row.id,
    )


def outcome_bodies(path) -> list[dict]:
    """The bodies of the pending ``callback_outcome`` actions in the outbox."""
    import json

    from workbench.store import outbox

    conn = connect(path)
    try:
        return [
            json.loads(outbox.body_of(conn, e.key))
            for e in outbox.pending_entries(conn)
            if e.type == "callback_outcome"
        ]
    finally:
        conn.close()


def notices(pilot) -> str:
    return "\n".join(n.message for n in pilot.app._notifications)


def sent(sync: TelephonySync, verb: str) -> list[CallCommand]:
    return [c for c in sync.commands if c.verb == verb]


async def open_worklist(pilot) -> WorklistScreen:
    await pilot.press("f11")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, WorklistScreen) and pilot.app.screen.loaded,
        what="the worklist",
    )
    return pilot.app.screen


async def test_the_worklist_is_ordered_by_priority_with_due_flags_and_gate(desk_cache):
    expected = worklist(desk_cache)
    async with run_desk(desk_cache) as pilot:
        screen = await open_worklist(pilot)
        assert [r.id for r in screen.rows] == [r.id for r in expected]
        keys = [(r.priority, r.due_at, r.id) for r in screen.rows]
        assert keys == sorted(keys)
        await pilot.pause()
        text = screen_text(pilot)
        assert "回拨清单" in text and "逾期" in text and "可联系" in text
        overdue = next(r for r in screen.rows if r.overdue)
        assert overdue.number_masked in text and overdue.callback.number not in text
        # due times tick by the app's clock
        table = screen.query_one("#worklist")
        before = str(table.get_cell(overdue.id, "due"))
        pilot.app.clock = lambda: NOW + timedelta(seconds=61)
        await wait_for(
            pilot, lambda: str(table.get_cell(overdue.id, "due")) != before, what="a tick"
        )
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, WorklistScreen)


async def test_next_skips_a_blocked_callback_naming_the_rule_and_until_when(desk_cache):
    blocked_id = block_first(desk_cache)
    rows = worklist(desk_cache)
    assert rows[0].id == blocked_id and rows[0].gate.rule == "daily_connected_cap"
    target = next(r for r in rows if r.workable)
    box: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(box)) as pilot:
        sync = box[0]
        await open_worklist(pilot)
        assert "daily_connected_cap" in screen_text(pilot)
        await pilot.press("f12")
        await wait_for(pilot, lambda: sent(sync, "claim"), what="the claim")
        assert sent(sync, "claim")[0].callback_id == target.id
        said = notices(pilot)
        assert "跳过 1 条" in said and "daily_connected_cap" in said
        assert "2026-11-28 08:00" in said  # until when (the borrower's time)
        pilot.app.report_call_event(claimed(target))
        await wait_for(pilot, lambda: sent(sync, "dial"), what="the dial")
        assert sent(sync, "dial")[0].callback_id == target.id
        await wait_for_view(pilot)
        assert pilot.app.screen.borrower_id == target.callback.borrower_id


async def test_a_claim_refused_because_another_agent_holds_it_is_shown(desk_cache):
    target = worklist(desk_cache)[0]
    box: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(box)) as pilot:
        sync = box[0]
        screen = await open_worklist(pilot)
        await pilot.press("f12")
        await wait_for(pilot, lambda: sent(sync, "claim"), what="the claim")
        refusal = CallEvent(
            "error", message="回呼已被 A002 领取 / the callback is held by A002", code="claimed"
        )
        pilot.app.report_call_event(refusal)
        await wait_for(pilot, lambda: "被拒绝" in notices(pilot), what="the refusal")
        assert f"领取回拨 {target.id} 被拒绝" in notices(pilot) and "A002" in notices(pilot)
        assert not sent(sync, "dial")
        assert not pilot.app.callbacks.busy
        await wait_for(pilot, lambda: "A002" in screen_text(pilot), what="the status line")
        assert isinstance(pilot.app.screen, WorklistScreen) and screen.loaded


async def call_and_end(pilot, sync, row, *, pick_up: bool = True) -> None:
    """The core's side of a dial: the outbound call rings, maybe is answered, then ends."""
    call = outbound(row)
    pilot.app.report_call_event(agent_event("on_call", call_id=call.call_id))
    pilot.app.report_call_event(call_event("offered", call))
    await wait_for(pilot, lambda: pilot.app.callbacks.phase == "calling", what="the call")
    bar = pilot.app.screen.query_one("#call-bar")
    await wait_for(pilot, lambda: "外呼中" in str(bar.render()), what="the call bar")
    if pick_up:
        call = answered(call)
        pilot.app.report_call_event(call_event("answered", call))
        await wait_for(pilot, lambda: "外呼" in str(bar.render()), what="talking out")
    pilot.app.report_call_event(call_event("ended", ended(call, NOW + timedelta(seconds=90))))
    pilot.app.report_call_event(agent_event("after_call", call_id=call.call_id))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutcomeScreen), what="the form")


async def test_outcome_is_recorded_pending_at_once_and_the_agent_goes_available(desk_cache):
    target = worklist(desk_cache)[0]
    box: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(box)) as pilot:
        sync = box[0]
        await pilot.press("f12")
        await wait_for(pilot, lambda: sent(sync, "claim"), what="the claim")
        pilot.app.report_call_event(claimed(target))
        await wait_for(pilot, lambda: sent(sync, "dial"), what="the dial")
        await wait_for_view(pilot)
        await call_and_end(pilot, sync, target)
        assert "F2" not in str(pilot.app.screen.query_one("#outcome"))  # no answer key
        await pilot.press("1", "ctrl+s")  # reached
        await wait_for(pilot, lambda: sent(sync, "state"), what="available asked")
        assert sent(sync, "state")[-1].state == "available"
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
        [body] = outcome_bodies(desk_cache)
        assert body["payload"] == {
            "callback_id": target.id,
            "outcome": "reached",
            "call_id": "K1-000001",
        }
        await pilot.press("4")  # the follow-ups tab
        await wait_for(pilot, lambda: "已联系上" in screen_text(pilot), what="the outcome shown")
        assert "待确认" in screen_text(pilot)


async def test_a_follow_up_captures_the_satisfaction_score_and_comment(desk_cache):
    rows = worklist(desk_cache)
    target = next(r for r in rows if r.reason == "follow_up" and r.workable)
    box: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(box)) as pilot:
        sync = box[0]
        screen = await open_worklist(pilot)
        table = screen.query_one("#worklist")
        table.move_cursor(row=table.get_row_index(target.id))
        await pilot.press("w")
        await wait_for(pilot, lambda: sent(sync, "claim"), what="the claim")
        assert sent(sync, "claim")[0].callback_id == target.id
        pilot.app.report_call_event(claimed(target))
        await wait_for(pilot, lambda: sent(sync, "dial"), what="the dial")
        await call_and_end(pilot, sync, target)
        form = pilot.app.screen
        await pilot.press("1", "enter")  # reached → the score field
        await wait_for(pilot, lambda: form.focused is form.query_one("#score"))
        await pilot.press("9", "enter")
        await wait_for(pilot, lambda: "1–5" in str(form.query_one("#outcome-error").render()))
        await pilot.press("backspace", "4", "tab", *"很满意", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, OutcomeScreen))
        [body] = outcome_bodies(desk_cache)
        assert body["payload"]["satisfaction"] == 4
        assert body["payload"]["comment"] == "很满意"
        await wait_for_view(pilot)
        await pilot.press("4")
        await wait_for(pilot, lambda: "满意度 4/5" in screen_text(pilot), what="the score shown")


async def test_in_english_an_outcome_left_for_later_comes_back_with_next_callback(desk_cache):
    target = worklist(desk_cache)[0]
    box: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(box), lang="en") as pilot:
        sync = box[0]
        await open_worklist(pilot)
        text = screen_text(pilot)
        assert "Callback worklist" in text and "overdue" in text and "allowed" in text
        await pilot.press("f12")
        await wait_for(pilot, lambda: sent(sync, "claim"), what="the claim")
        pilot.app.report_call_event(claimed(target))
        await wait_for(pilot, lambda: sent(sync, "dial"), what="the dial")
        call = outbound(target)
        pilot.app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: pilot.app.callbacks.phase == "calling", what="the call")
        await wait_for(
            pilot, lambda: "Dialling" in str(pilot.app.screen.query_one("#call-bar").render())
        )
        pilot.app.report_call_event(call_event("ended", ended(call, NOW + timedelta(seconds=30))))
        pilot.app.report_call_event(agent_event("after_call", call_id=call.call_id))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutcomeScreen), what="the form")
        assert pilot.app.screen.outcome == "no_answer"  # not picked up
        await pilot.press("escape")  # later
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, OutcomeScreen))
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, OutcomeScreen), what="again")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: sent(sync, "state"), what="available asked")
        [body] = outcome_bodies(desk_cache)
        assert body["payload"]["outcome"] == "no_answer"
        assert len(sent(sync, "claim")) == 1
