"""Call handling at the desk, driven by call events as the sync hands them.

The sync is stood in for by ``TelephonySync`` (the network side: it records the commands the
desk sends); each test answers those commands with the events the core would broadcast.
"""

from __future__ import annotations

from datetime import timedelta

from call_pilot import (
    AGENT,
    TelephonySync,
    agent_event,
    answered,
    call_event,
    ended,
    held,
    offered,
)
from desk_pilot import NOW, history_rows, run_desk, screen_text, search, wait_for, wait_for_view

from workbench.domain.calls import CallCommand, CallEvent
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.call_pop import CallPopScreen
from workbench.ui.screens.desk import DeskScreen
from workbench.ui.screens.wrap_up import WrapUpScreen

TWO_LOANS = "B000295"


def call_bar(pilot) -> str:
    """The call bar of the topmost screen that has one."""
    for screen in reversed(pilot.app.screen_stack):
        if bars := screen.query("#call-bar"):
            return str(bars.first().render())
    raise AssertionError("no call bar")


def telephony(box: list[TelephonySync]):
    def make(on_status) -> TelephonySync:
        box.append(TelephonySync())
        return box[-1]

    return make


async def test_offered_call_pops_over_the_borrower_and_one_key_answers(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app, sync = pilot.app, syncs[0]
        await wait_for(pilot, lambda: "离线" in call_bar(pilot), what="the call bar, offline")
        app.report_call_event(agent_event("available"))
        await wait_for(pilot, lambda: "可用" in call_bar(pilot), what="available")

        call = offered([TWO_LOANS])
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        behind = app.screen_stack[-2]
        assert isinstance(behind, BorrowerScreen) and behind.borrower_id == TWO_LOANS
        await wait_for(pilot, lambda: "还款咨询" in screen_text(pilot), what="the queue name")
        text = screen_text(pilot)
        assert "138****5678" in text and "13812345678" not in text
        assert "已等待 00:35" in text

        await pilot.press("enter")
        assert sync.commands == [CallCommand("answer", call_id="CALL-1")]
        app.report_call_event(call_event("answered", answered(call)))
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="pop gone")
        await wait_for_view(pilot)
        assert "通话中 00:00" in call_bar(pilot)
        assert "138****5678" in call_bar(pilot)


async def test_hold_toggles_end_enters_wrap_up_and_disposition_gates_available(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app, sync = pilot.app, syncs[0]
        clock = [NOW]
        app.clock = lambda: clock[0]
        call = offered([TWO_LOANS])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        app.report_call_event(call_event("answered", answered(call)))
        app.report_call_event(agent_event("on_call", call_id="CALL-1"))
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="pop gone")
        await wait_for_view(pilot)

        # the talk timer ticks by the desk's clock
        clock[0] = NOW + timedelta(seconds=75)
        await wait_for(pilot, lambda: "通话中 01:15" in call_bar(pilot), what="timer ticks")

        await pilot.press("f3")
        assert sync.commands[-1] == CallCommand("hold", call_id="CALL-1")
        app.report_call_event(call_event("held", held(answered(call))))
        await wait_for(pilot, lambda: "保持中" in call_bar(pilot), what="on hold")
        await pilot.press("f3")
        assert sync.commands[-1] == CallCommand("resume", call_id="CALL-1")
        app.report_call_event(call_event("resumed", answered(call)))
        await wait_for(pilot, lambda: "保持中" not in call_bar(pilot), what="resumed")

        await pilot.press("f4")
        assert sync.commands[-1] == CallCommand("end", call_id="CALL-1")
        end_at = NOW + timedelta(seconds=90)
        clock[0] = end_at
        app.report_call_event(call_event("ended", ended(answered(call), end_at)))
        app.report_call_event(agent_event("after_call", end_at, "CALL-1"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up form")
        form = app.screen
        assert "通话 01:30" in screen_text(pilot)

        # leaving the form and asking to be available: refused until a code is chosen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="form closed")
        clock[0] = end_at + timedelta(seconds=12)
        await wait_for(pilot, lambda: "话后处理 00:12" in call_bar(pilot), what="ACW timer")
        sent = len(sync.commands)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="form again")
        form = app.screen
        assert "需先选择处理结果" in form.error
        await pilot.press("enter")  # nothing chosen yet
        assert "请选择一个处理结果" in form.error
        assert len(sync.commands) == sent

        await pilot.press("2", "enter")  # 已告知还款金额, save and become available
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="saved")
        await wait_for(
            pilot,
            lambda: sync.commands[-1] == CallCommand("state", state="available"),
            what="the state change",
        )
        assert len(sync.commands) == sent + 1
        await wait_for(
            pilot,
            lambda: any("已告知还款金额" in row and "待确认" in row for row in history_rows(pilot)),
            what="the disposition pending in the history",
        )
        app.report_call_event(agent_event("available", end_at + timedelta(seconds=20)))
        await wait_for(pilot, lambda: "可用" in call_bar(pilot), what="available again")


async def test_several_borrowers_on_one_number_give_a_pick_list(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app = pilot.app
        pilot.app.open_borrower("B000010")
        await wait_for_view(pilot)
        call = offered([TWO_LOANS, "B000001"])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        assert isinstance(app.screen_stack[-2], DeskScreen)  # the old view was closed
        assert "此号码对应 2 位客户" in screen_text(pilot)
        assert "回车 打开客户视图 · F2 接听" in screen_text(pilot)
        await pilot.press("down", "enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, CallPopScreen)
                and isinstance(app.screen_stack[-2], BorrowerScreen)
                and app.screen_stack[-2].borrower_id == "B000001"
            ),
            what="the chosen borrower behind the pop",
        )
        assert app.call_state.borrower_id == "B000001"
        await pilot.press("enter")
        assert syncs[0].commands == [CallCommand("answer", call_id="CALL-1")]


async def test_a_call_that_goes_away_while_ringing_takes_its_pop_with_it(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app = pilot.app
        call = offered([TWO_LOANS])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        app.report_call_event(call_event("abandoned", ended(call, NOW)))
        await wait_for(pilot, lambda: not isinstance(app.screen, CallPopScreen), what="pop gone")
        assert app.call_state.wrap is None  # never answered: nothing to wrap up
        assert "可用" in call_bar(pilot)
        assert app.agent_id == AGENT

        app.report_call_event(CallEvent("error", message="no call from 13812345678 [b]x[/b]"))
        await wait_for(pilot, lambda: app._notifications, what="the error notice")
        [notice] = list(app._notifications)
        assert "话务操作失败" in notice.message and "138****5678" in notice.message
        assert "13812345678" not in notice.message and "[b]x[/b]" in notice.message


async def test_without_telephony_the_bar_is_hidden_and_call_keys_explain(desk_cache):
    async with run_desk(desk_cache) as pilot:
        bar = pilot.app.screen.query_one("#call-bar")
        assert not bar.display
        pilot.app.call_control(CallCommand("state", state="available"))
        await pilot.pause()
        assert any("未连接话务系统" in n.message for n in pilot.app._notifications)


def change_queue(path, queue_id: str, **changes) -> None:
    """Rewrite a queue record of the cache (as a feed change would)."""
    from dataclasses import asdict

    from workbench.store.apply import put_records
    from workbench.store.db import connect, write_transaction
    from workbench.store.queries import queues

    conn = connect(path)
    try:
        queue = next(q for q in queues(conn) if q.id == queue_id)
        with write_transaction(conn):
            put_records(conn, "queue", {queue_id: asdict(queue) | changes})
    finally:
        conn.close()


def outbox_bodies(path) -> list[dict]:
    """The request bodies in the cache's outbox, oldest first."""
    import json

    from workbench.store import outbox
    from workbench.store.db import connect

    conn = connect(path)
    try:
        return [json.loads(outbox.body_of(conn, e.key)) for e in outbox.pending_entries(conn)]
    finally:
        conn.close()


async def test_unknown_number_goes_to_the_search_and_one_key_links_it(desk_cache):
    from workbench.store.db import connect
    from workbench.store.queries import get_borrower

    conn = connect(desk_cache, readonly=True)
    try:
        phone = get_borrower(conn, TWO_LOANS).phones[0].number
    finally:
        conn.close()
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app = pilot.app
        pilot.app.open_borrower("B000010")
        await wait_for_view(pilot)
        call = offered([], number="13900001111")
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        assert isinstance(app.screen_stack[-2], DeskScreen)
        assert "未知号码" in screen_text(pilot) and "139****1111" in screen_text(pilot)
        await pilot.press("enter")
        app.report_call_event(call_event("answered", answered(call)))
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), what="the search")
        assert "F7" not in call_bar(pilot)  # nothing to link to yet
        assert "F4 挂断" in call_bar(pilot)

        hits = await search(pilot, phone)  # the caller tells their registered number
        assert hits == [TWO_LOANS]
        await pilot.press("enter")
        await wait_for_view(pilot)
        await wait_for(pilot, lambda: "F7 关联号码" in call_bar(pilot), what="the link key")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.call_state.borrower_id == TWO_LOANS, what="linked")
        links = [b for b in outbox_bodies(desk_cache) if b["type"] == "link_number"]
        assert len(links) == 1 and links[0]["borrower_id"] == TWO_LOANS
        assert links[0]["payload"] == {"number": "13900001111", "call_id": "CALL-1"}
        await pilot.press("f7")  # once is enough: the key is gone
        await pilot.pause()
        assert len([b for b in outbox_bodies(desk_cache) if b["type"] == "link_number"]) == 1
        assert syncs[0].pokes >= 1

        await pilot.press("f4")
        app.report_call_event(call_event("ended", ended(answered(call), NOW)))
        app.report_call_event(agent_event("after_call"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        await pilot.press("1", "enter")
        await wait_for(
            pilot,
            lambda: any(b["type"] == "disposition" for b in outbox_bodies(desk_cache)),
            what="the disposition",
        )
        disposition = next(b for b in outbox_bodies(desk_cache) if b["type"] == "disposition")
        assert disposition["borrower_id"] == TWO_LOANS
        assert disposition["payload"]["call_id"] == "CALL-1"
        assert disposition["payload"]["queue_id"] == "repayment"
        assert disposition["payload"]["code"] == "已解答"


async def test_the_call_bar_and_the_pop_speak_english(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, lang="en", sync=telephony(syncs)) as pilot:
        app = pilot.app
        app.report_call_event(agent_event("available"))
        await wait_for(pilot, lambda: "Available" in call_bar(pilot), what="available")
        app.report_call_event(call_event("offered", offered([TWO_LOANS])))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        await wait_for(
            pilot,
            lambda: "Incoming call · Repayment enquiries" in screen_text(pilot),
            what="the queue's English name (read from the cache)",
        )
        assert "waited 00:35" in screen_text(pilot)


async def test_an_unknown_caller_never_linked_owes_no_disposition(desk_cache):
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app, sync = pilot.app, syncs[0]
        call = answered(offered([], number="13900002222"))
        app.report_call_event(agent_event("on_call", call_id="CALL-1"))
        app.report_call_event(call_event("answered", call))
        app.report_call_event(call_event("ended", ended(call, NOW)))
        app.report_call_event(agent_event("after_call"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        assert "无需填写处理结果" in app.screen.error
        assert "待填处理结果" not in call_bar(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, WrapUpScreen), what="closed")
        assert sync.commands == [CallCommand("state", state="available")]
        assert not [b for b in outbox_bodies(desk_cache) if b["type"] == "disposition"]


async def test_call_keys_work_above_the_pop_and_the_forms(desk_cache):
    from workbench.ui.screens.note import NoteScreen

    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app, sync = pilot.app, syncs[0]
        first = offered([TWO_LOANS])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", first))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        await pilot.press("f9")
        assert sync.commands == [CallCommand("reject", call_id="CALL-1")]

        second = offered([TWO_LOANS], call_id="CALL-2")
        app.report_call_event(call_event("offered", second))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CallPopScreen) and app.screen.call_id == "CALL-2",
            what="the second call's pop",
        )
        await pilot.press("f2")
        assert sync.commands[-1] == CallCommand("answer", call_id="CALL-2")
        app.report_call_event(call_event("answered", answered(second)))
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="the view")
        await wait_for_view(pilot)

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), what="note form")
        note = app.screen
        await pilot.press(*"call back Friday")
        await pilot.press("f4")  # the caller hangs up while the agent types
        assert sync.commands[-1] == CallCommand("end", call_id="CALL-2")
        app.report_call_event(call_event("ended", ended(answered(second), NOW)))
        app.report_call_event(agent_event("after_call"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        await pilot.press("3", "enter")
        await wait_for(pilot, lambda: app.screen is note, what="back to the note")
        assert note.text == "call back Friday"  # nothing typed was lost
        assert sync.commands[-1] == CallCommand("state", state="available")


async def test_a_queue_that_needs_no_disposition_lets_the_agent_go_at_once(desk_cache):
    change_queue(desk_cache, "complaints", disposition_required=False)
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app, sync = pilot.app, syncs[0]
        call = answered(offered([TWO_LOANS], queue_id="complaints"))
        app.report_call_event(agent_event("on_call", call_id="CALL-1"))
        app.report_call_event(call_event("answered", call))
        app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        app.report_call_event(call_event("ended", ended(call, NOW)))
        app.report_call_event(agent_event("after_call"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="form left")
        assert "待填处理结果" not in call_bar(pilot)
        await pilot.press("f5")
        assert sync.commands == [CallCommand("state", state="available")]
        assert not isinstance(app.screen, WrapUpScreen)


async def test_hostile_queue_names_and_codes_are_shown_literally(desk_cache):
    hostile = "[b]还款[/b][@click=quit]"  # within the 24 characters a queue name is shown in
    codes = ["[red]已解答[/red]", "\x1b[5m"]
    change_queue(desk_cache, "repayment", name=hostile, dispositions=codes)
    syncs: list[TelephonySync] = []
    async with run_desk(desk_cache, sync=telephony(syncs)) as pilot:
        app = pilot.app
        call = offered([TWO_LOANS])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: hostile in screen_text(pilot), what="the literal name")
        assert hostile in call_bar(pilot)
        [title] = [line for line in screen_text(pilot).splitlines() if "╭─ 来电" in line]
        assert hostile in title  # the pop's border title: not read as markup
        app.report_call_event(call_event("answered", answered(call)))
        app.report_call_event(call_event("ended", ended(answered(call), NOW)))
        app.report_call_event(agent_event("after_call"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        text = screen_text(pilot)
        assert "[red]已解答[/red]" in text and "\x1b" not in text
        assert app.is_running
