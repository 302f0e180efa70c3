"""Send a message from the borrower view: m, a template previewed as it will be sent, filled
from the cache; English templates when the desk speaks English; pending in the history."""

from __future__ import annotations

from desk_pilot import history_rows, run_desk, screen_text, wait_for
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

from workbench.ui.screens.forms.message import MessageScreen
from workbench.ui.widgets.history_view import HistoryView

REMINDER = (
    "【车贷服务】尊敬的黎平：您的合同 HT2025HB00002951 应还金额 ¥8,305.58，应还日期 "
    "2026-10-08。请按时还款，以免产生罚息；如已还款请忽略。"
)
PAYOFF = (
    "【车贷服务】尊敬的黎平：您的合同 HT2025HB00002951 截至 2026-11-27 的提前结清金额为 "
    "¥97,946.83，实际金额以入账日为准。"
)


async def test_the_preview_is_filled_from_the_cache_and_follows_the_template(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "m", MessageScreen)
        assert form.body() == REMINDER
        form.query_one("#template", Select).value = "payoff"
        await wait_for(pilot, lambda: "¥97,946.83" in screen_text(pilot), what="payoff preview")
        assert form.body() == PAYOFF
        form.query_one("#template", Select).value = "release"
        await wait_for(pilot, lambda: "解押指南" in str(form.query_one("#preview").render()))
        assert "车辆 鄂A·69Z35 解押指南" in form.body()
        form.query_one("#loan", Select).value = "L000295-2"
        await wait_for(pilot, lambda: "鄂A·25J33" in form.body())


async def test_the_templates_are_english_when_the_desk_is(desk_cache):
    async with run_desk(desk_cache, lang="en") as pilot:
        form = await open_form(pilot, "m", MessageScreen)
        assert form.body() == (
            "[Car loan service] Dear 黎平: ¥8,305.58 is due on contract HT2025HB00002951 "
            "(due date 2026-10-08). Please pay on time to avoid late fees; ignore this if you "
            "have paid."
        )
        assert "[Car loan service] Dear 黎平" in screen_text(pilot)  # brackets shown as typed
        assert "Send a message · 黎平" in screen_text(pilot)


async def test_an_sms_is_pending_at_the_top_of_the_history_exactly_as_previewed(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "m", MessageScreen)
        await save_and_close(pilot, form)
        history = pilot.app.screen.query_one(HistoryView)
        await wait_for(pilot, lambda: history.mark(0) == "pending", what="the pending message")
        assert history.item(0).channel == "sms" and history.item(0).notes == REMINDER
        assert "短信" in history_rows(pilot)[0] and "待确认" in history_rows(pilot)[0]
    [body] = sent(desk_cache, "message")
    assert body["borrower_id"] == LATE_VIP
    assert body["payload"] == {
        "channel": "sms",
        "template": "reminder",
        "body": REMINDER,
        "to": "15993401740",
    }


async def test_an_email_needs_a_valid_address(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "m", MessageScreen)
        form.query_one("#channel", Select).value = "email"
        await wait_for(pilot, lambda: form.query_one("#to").display, what="the address field")
        form.query_one("#template", Select).value = "payoff"
        await save_and_wait_error(pilot, form, "请填写邮箱")
        set_input(form, "#to", "li.ping at example")
        await save_and_wait_error(
            pilot, form, "邮箱地址不对：li.ping at example（例如 name@example.com）"
        )
        assert pilot.app.focused is form.query_one("#to")
        set_input(form, "#to", "li.ping@example.com")
        await save_and_close(pilot, form)
    [body] = sent(desk_cache, "message")
    assert body["payload"]["channel"] == "email" and body["payload"]["body"] == PAYOFF
    assert body["payload"]["to"] == "li.ping@example.com"


async def test_a_do_not_call_number_gets_no_sms(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "m", MessageScreen, borrower_id="B000014")
        await save_and_wait_error(pilot, form, "合规限制：该号码已标记勿扰。该限制不会自动解除")
    assert unconfirmed(desk_cache) == []
