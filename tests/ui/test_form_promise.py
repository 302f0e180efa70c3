"""Promise to pay from the borrower view: p, amount and date checked and explained, then the
promise is in the follow-ups at once, marked 待确认, and waits in the outbox for the core."""

from __future__ import annotations

from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import (
    LATE_LOAN,
    LATE_VIP,
    open_form,
    save_and_close,
    save_and_wait_error,
    sent,
    set_input,
    unconfirmed,
)

from workbench.ui.screens.forms.promise import PromiseScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel


async def test_the_form_starts_on_the_loan_most_behind_with_what_is_overdue(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "p", PromiseScreen)
        assert form.values() == {"loan_id": LATE_LOAN, "amount": "8,305.58", "promised_date": ""}
        text = screen_text(pilot)
        assert "承诺还款 · 黎平" in text and "逾期 50 天" in text
        assert "逾期应还 ¥8,305.58" in text and "今日结清 ¥97,946.83" in text
        assert "可选日期：2026-11-27 至 2026-12-27" in text


async def test_typos_and_out_of_range_values_are_refused_with_the_reason(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "p", PromiseScreen)
        set_input(form, "#promised-date", "+3")
        cases = [
            ("8,3O5.58", "金额格式不对：8,3O5.58（例如 1,234.50）"),
            ("1.234", "金额格式不对：1.234（例如 1,234.50）"),
            ("0", "金额必须大于零"),
            ("-500", "金额必须大于零"),
            ("", "请填写金额（元）"),
            (
                "999,999",
                "金额 999,999 超过应还总额 ¥97,946.83 太多（最多 ¥107,741.51）",
            ),
        ]
        for amount, expected in cases:
            set_input(form, "#amount", amount)
            await save_and_wait_error(pilot, form, expected)
            assert "-invalid" in form.query_one("#amount").classes
            assert pilot.app.focused is form.query_one("#amount")
            assert form.query_one("#amount").value == amount  # kept as typed

        set_input(form, "#amount", "3000")
        for day, expected in [
            ("2026-11-26", "日期 2026-11-26 已过"),
            ("+31", "日期最晚 2026-12-27（30 天内）"),
            ("2026-13-01", "日期格式不对：2026-13-01（例如 2026-12-05、12-05 或 +3）"),
            ("", "请填写日期"),
        ]:
            set_input(form, "#promised-date", day)
            await save_and_wait_error(pilot, form, expected)
            assert pilot.app.focused is form.query_one("#promised-date")
    assert unconfirmed(desk_cache) == []


async def test_a_saved_promise_is_pending_in_the_follow_ups_and_the_outbox(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "p", PromiseScreen)
        set_input(form, "#amount", "￥３,０００")  # as a Chinese input method types it
        set_input(form, "#promised-date", "12-05")
        await save_and_close(pilot, form)
        await pilot.press("4")
        panel = pilot.app.screen.query_one(FollowUpsPanel)
        await wait_for(pilot, lambda: "pending" in panel.marks.values(), what="pending mark")
        line = next(row for row in screen_text(pilot).splitlines() if "¥3,000.00" in row)
        assert "2026-12-05" in line and "待确认" in line
    [body] = sent(desk_cache, "promise")
    assert body["borrower_id"] == LATE_VIP
    assert body["payload"] == {
        "loan_id": LATE_LOAN,
        "amount": 300000,
        "promised_date": "2026-12-05",
    }


async def test_esc_keeps_what_was_typed_for_the_next_time_and_saves_nothing(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "p", PromiseScreen)
        set_input(form, "#amount", "1,200")
        set_input(form, "#promised-date", "+2")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PromiseScreen))
        form = await open_form(pilot, "p", PromiseScreen)
        assert form.values()["amount"] == "1,200" and form.values()["promised_date"] == "+2"
        assert form.error == "已恢复上次未保存的内容"
        await save_and_close(pilot, form)
        form = await open_form(pilot, "p", PromiseScreen)  # saved: no draft any more
        assert form.values()["amount"] == "8,305.58" and form.error == ""
    assert [e.type for e in unconfirmed(desk_cache)] == ["promise"]


async def test_keystrokes_only_p_tab_amount_tab_date_ctrl_s(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "p", PromiseScreen)
        await wait_for(pilot, lambda: pilot.app.focused is form.query_one("#loan"))
        await pilot.press("tab", *"3000", "tab", *"+3", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PromiseScreen))
    [body] = sent(desk_cache, "promise")
    assert body["payload"]["amount"] == 300000
    assert body["payload"]["promised_date"] == "2026-11-30"
