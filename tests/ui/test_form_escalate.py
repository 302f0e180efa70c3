"""Escalate from the borrower view: e, one button per department, a reason, a priority whose
SLA due time is shown, the loan's snapshot attached; pending in the follow-ups at once."""

from __future__ import annotations

from datetime import date

from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import (
    LATE_LOAN,
    LATE_VIP,
    open_form,
    save_and_close,
    save_and_wait_error,
    sent,
    unconfirmed,
)
from textual.widgets import Button, Select

from workbench.store.db import connect
from workbench.store.queries import borrower_view
from workbench.ui.screens.forms.escalate import EscalateScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel

DEPARTMENTS = ["主管", "风控", "法务", "催收", "投诉", "运营（解押/结清证明）"]


async def test_one_button_per_department_and_the_sla_follows_the_priority(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "e", EscalateScreen)
        labels = [str(b.label) for b in form.query("#departments Button").results(Button)]
        assert labels == DEPARTMENTS
        assert "处理时限：2026-11-28 10:00（24 小时内）" in screen_text(pilot)
        form.query_one("#priority", Select).value = "urgent"
        await wait_for(
            pilot, lambda: "处理时限：2026-11-27 14:00（4 小时内）" in screen_text(pilot)
        )
        form.query_one("#priority", Select).value = "low"
        await wait_for(
            pilot, lambda: "处理时限：2026-11-30 10:00（72 小时内）" in screen_text(pilot)
        )
        assert (
            "附带贷款快照：逾期 50 天 · 剩余本金 ¥94,792.26 · 今日结清 ¥97,946.83 · 待履约承诺"
            in screen_text(pilot)
        )


async def test_department_and_reason_are_required_then_it_is_pending(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "e", EscalateScreen)
        await save_and_wait_error(pilot, form, "请选择要升级到的部门")
        assert pilot.app.focused is form.query_one("#dept-supervisor")

        await pilot.press("tab", "tab", "enter")  # 主管 → 风控 → 法务, picked
        assert form.department == "legal" and form.query_one("#dept-legal").has_class("-chosen")
        assert pilot.app.focused is form.query_one("#reason")
        await save_and_wait_error(pilot, form, "原因不能为空")

        form.query_one("#reason").insert("客户要求与法务沟通 [VIP] [/]")
        form.query_one("#priority", Select).value = "urgent"
        await save_and_close(pilot, form)
        await pilot.press("4")
        panel = pilot.app.screen.query_one(FollowUpsPanel)
        await wait_for(pilot, lambda: "pending" in panel.marks.values(), what="pending mark")
        line = next(r for r in screen_text(pilot).splitlines() if "法务" in r and "待确认" in r)
        assert "紧急" in line

    [body] = sent(desk_cache, "escalation")
    assert body["payload"] == {
        "department": "legal",
        "reason": "客户要求与法务沟通 [VIP] [/]",
        "priority": "urgent",
        "loan_id": LATE_LOAN,
    }
    conn = connect(desk_cache, readonly=True)
    try:
        [escalation] = borrower_view(conn, LATE_VIP, date(2026, 11, 27)).escalations
    finally:
        conn.close()
    assert escalation.sla_due_at == "2026-11-27T06:00:00Z"  # 14:00 in Beijing
    assert escalation.snapshot["dpd"] == 50 and escalation.snapshot["payoff"] == 9794683
    assert [e.type for e in unconfirmed(desk_cache)] == ["escalation"]
