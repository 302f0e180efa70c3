"""Schedule a callback from the borrower view: c, only times inside the contact window are
offered, a typed time outside it is refused with the window and the next allowed time named,
and the callback is pending in the follow-ups at once."""

from __future__ import annotations

from datetime import datetime, time

from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import (
    LATE_VIP,
    open_form,
    save_and_close,
    save_and_wait_error,
    sent,
    set_input,
    unconfirmed,
)
from textual.widgets import Select

from workbench.ui.screens.forms.callback import CallbackScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel


async def test_only_slots_inside_the_contact_window_are_offered(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        slots = form.slots
        assert slots[0] == datetime.fromisoformat("2026-11-27T10:30:00+08:00")
        assert all(time(8) <= s.time() < time(22) for s in slots)
        assert datetime.fromisoformat("2026-11-28T08:00:00+08:00") in slots  # the next morning
        assert form.query_one("#slot", Select).value == slots[0]
        text = screen_text(pilot)
        assert "159****1740 · 本人" in text and "15993401740" not in text  # masked
        assert "只可预约可联系时段 08:00–22:00（客户当地时间 Asia/Shanghai）" in text


async def test_typed_times_outside_the_window_or_past_are_refused(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        for typed, expected in [
            (
                "23:00",
                "2026-11-27 23:00 不在可联系时段 08:00–22:00（Asia/Shanghai）内，"
                "最早可约 2026-11-28 08:00",
            ),
            (
                "2026-11-28 07:59",
                "2026-11-28 07:59 不在可联系时段 08:00–22:00（Asia/Shanghai）内，"
                "最早可约 2026-11-28 08:00",
            ),
            ("2026-11-26 15:00", "时间 2026-11-26 15:00 已过"),
            ("3pm", "时间格式不对：3pm（例如 2026-11-28 15:00 或 15:00）"),
        ]:
            set_input(form, "#custom-time", typed)
            await save_and_wait_error(pilot, form, expected)
            assert pilot.app.focused is form.query_one("#custom-time")
    assert unconfirmed(desk_cache) == []


async def test_a_chosen_slot_is_booked_and_pending(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        wanted = datetime.fromisoformat("2026-11-28T09:00:00+08:00")
        form.query_one("#slot", Select).value = wanted
        form.query_one("#reason", Select).value = "follow_up"
        await save_and_close(pilot, form)
        await pilot.press("4")
        panel = pilot.app.screen.query_one(FollowUpsPanel)
        await wait_for(pilot, lambda: "pending" in panel.marks.values(), what="pending mark")
        line = next(r for r in screen_text(pilot).splitlines() if "2026-11-28 09:00" in r)
        assert "回访" in line and "待确认" in line
    [body] = sent(desk_cache, "callback")
    assert body["borrower_id"] == LATE_VIP
    assert body["payload"] == {
        "number": "15993401740",
        "due_at": "2026-11-28T01:00:00Z",
        "reason": "follow_up",
    }


async def test_a_typed_time_inside_the_window_is_booked(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        set_input(form, "#custom-time", "21:59")
        await save_and_close(pilot, form)
    [body] = sent(desk_cache, "callback")
    assert body["payload"]["due_at"] == "2026-11-27T13:59:00Z"


async def test_a_do_not_call_number_is_refused_naming_the_rule(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen, borrower_id="B000008")
        numbers = [value for _, value in form.query_one("#number", Select)._options]
        dnc = next(p.number for p in form.borrower.phones if p.do_not_call)
        assert form.query_one("#number", Select).value != dnc  # the callable one comes first
        form.query_one("#number", Select).value = numbers[numbers.index(dnc)]
        await save_and_wait_error(pilot, form, "合规限制：该号码已标记勿扰。该限制不会自动解除")
    assert unconfirmed(desk_cache) == []


async def test_slots_follow_the_borrowers_own_zone(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen, borrower_id="B000084")  # Urumqi
        assert form.slots[0].isoformat() == "2026-11-27T08:30:00+06:00"  # 10:00 in Beijing
        assert "2026-11-27 08:30 (Asia/Urumqi)" in screen_text(pilot)


async def test_keystrokes_only_c_tab_pick_the_next_slot_ctrl_s(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        await wait_for(pilot, lambda: pilot.app.focused is form.query_one("#number"))
        await pilot.press("tab", "enter", "down", "enter")
        await wait_for(pilot, lambda: form.query_one("#slot", Select).value == form.slots[1])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CallbackScreen))
    [body] = sent(desk_cache, "callback")
    assert body["payload"]["due_at"] == "2026-11-27T03:00:00Z"  # 11:00 in Beijing


async def test_a_draft_naming_a_slot_no_longer_offered_keeps_the_rest(desk_cache):
    from workbench.ui.screens.forms.base import DRAFTS

    stale = {
        "number": "10000000000",
        "slot": datetime.fromisoformat("2026-11-20T09:00:00+08:00"),
        "custom": "15:00",
        "reason": "no_such_reason",
    }
    DRAFTS[(str(desk_cache), LATE_VIP, "callback")] = stale
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "c", CallbackScreen)
        assert form.values() == {
            "number": "15993401740",
            "slot": form.slots[0],
            "custom": "15:00",
            "reason": "requested",
        }
        assert form.error == "已恢复上次未保存的内容"
