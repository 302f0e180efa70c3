"""Reveal from the borrower view: v. An agent is refused and nothing is written; a supervisor
gives a reason, the reveal is audited through the outbox, and the full value shows for a
limited time only."""

from __future__ import annotations

import pytest
from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import LATE_VIP, open_form, save_and_wait_error, sent, set_input, unconfirmed
from textual.widgets import Select

from workbench.ui.roles import ENV_ROLE, may_reveal, resolve_role
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.forms import reveal
from workbench.ui.screens.forms.reveal import RevealScreen

ID_NO = "420104197108267876"
REFUSED = "当前角色（坐席）无权查看明文，请联系主管或审计"


def test_only_supervisors_and_auditors_may_reveal_and_unknown_roles_are_agents(monkeypatch):
    assert [may_reveal(r) for r in ("agent", "supervisor", "auditor")] == [False, True, True]
    monkeypatch.setenv(ENV_ROLE, "Supervisor")
    assert resolve_role() == "supervisor"
    monkeypatch.setenv(ENV_ROLE, "root")
    assert resolve_role() == "agent"
    monkeypatch.delenv(ENV_ROLE)
    assert resolve_role() == "agent"


async def test_an_agent_is_refused_and_nothing_is_written(desk_cache, monkeypatch):
    monkeypatch.delenv(ENV_ROLE, raising=False)
    async with run_desk(desk_cache) as pilot:
        assert pilot.app.role == "agent"
        form = await open_form(pilot, "v", RevealScreen)
        assert form.error == REFUSED
        set_input(form, "#reason", "客户来电核实身份")
        await save_and_wait_error(pilot, form, REFUSED)
        assert ID_NO not in screen_text(pilot) and "420***********7876" in screen_text(pilot)
    assert unconfirmed(desk_cache) == []


@pytest.fixture
def supervisor(monkeypatch):
    monkeypatch.setenv(ENV_ROLE, "supervisor")
    monkeypatch.setattr(reveal, "REVEAL_SECONDS", 2.0)


async def test_a_supervisor_gives_a_reason_is_audited_and_sees_it_for_a_while(
    desk_cache, supervisor
):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "v", RevealScreen)
        assert form.error == ""
        await save_and_wait_error(pilot, form, "原因不能为空")
        assert unconfirmed(desk_cache) == []

        set_input(form, "#reason", "客户来电核实身份")
        await pilot.press("ctrl+s")
        seen: list[str] = []  # the message at the moment the value is on screen: no race

        def revealed() -> bool:
            if form.shown is not None and ID_NO in screen_text(pilot):
                seen.append(form.error)
            return bool(seen)

        await wait_for(pilot, revealed, what="the revealed value")
        assert seen[0] == "已记入审计；明文 2 秒后隐藏"
        await wait_for(pilot, lambda: form.shown is None, timeout=15, what="the value hidden")
        assert ID_NO not in screen_text(pilot) and form.error == "已重新隐藏"

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
    [audit] = sent(desk_cache, "reveal_audit")
    assert audit["borrower_id"] == LATE_VIP
    assert audit["payload"] == {
        "field": "id_no",
        "reason": "客户来电核实身份",
        "target_id": LATE_VIP,
    }


async def test_a_card_reveal_names_the_loan_and_closing_hides_it(desk_cache, supervisor):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "v", RevealScreen)
        card = next(i for i, target in enumerate(form.targets) if target.field == "debit_card")
        form.query_one("#target", Select).value = card
        set_input(form, "#reason", "核对扣款卡")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.shown is not None, what="the revealed card")
        assert form.shown.value in screen_text(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
        assert form.targets[card].value not in screen_text(pilot)
    [audit] = sent(desk_cache, "reveal_audit")
    assert audit["payload"]["field"] == "debit_card"
    assert audit["payload"]["target_id"] == form.targets[card].target_id
