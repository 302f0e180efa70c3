"""Payoff quote from the borrower view: q, as of today unless another day is typed, with its
parts; nothing is written."""

from __future__ import annotations

from datetime import date

from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import LATE_LOAN, open_form, set_input, unconfirmed
from textual.widgets import Select

from workbench.domain.loans import payoff_quote
from workbench.store.db import connect
from workbench.store.queries import get_loan
from workbench.ui.screens.forms.payoff import PayoffScreen


def quote_of(path, loan_id: str, day: date):
    conn = connect(path, readonly=True)
    try:
        loan = get_loan(conn, loan_id)
    finally:
        conn.close()
    return payoff_quote(loan.schedule, loan.annual_rate_bp, loan.late_fee_daily_bp, day)


async def test_the_quote_shows_its_parts_as_of_today_then_as_of_a_later_day(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "q", PayoffScreen)
        assert form.quote == quote_of(desk_cache, LATE_LOAN, date(2026, 11, 27))
        text = screen_text(pilot)
        for line in (
            "2026-11-27 一次结清：",
            "剩余本金  ¥94,792.26",
            "逾期利息  ¥2,313.92",
            "当期利息  ¥697.38",
            "罚息      ¥143.27",
            "合计      ¥97,946.83",
        ):
            assert line in text

        set_input(form, "#as-of", "+10")
        later = quote_of(desk_cache, LATE_LOAN, date(2026, 12, 7))
        await wait_for(pilot, lambda: form.quote == later, what="the quote for 2026-12-07")
        assert later.total > 9794683 and "2026-12-07 一次结清：" in screen_text(pilot)

        form.query_one("#loan", Select).value = "L000295-2"
        other = quote_of(desk_cache, "L000295-2", date(2026, 12, 7))
        await wait_for(pilot, lambda: form.quote == other, what="the other loan's quote")


async def test_past_days_and_typos_are_refused_and_nothing_is_written(desk_cache):
    async with run_desk(desk_cache) as pilot:
        form = await open_form(pilot, "q", PayoffScreen)
        for typed, expected in [
            ("2026-11-20", "试算日期不能早于今天（2026-11-27）"),
            ("2026-02-30", "日期格式不对：2026-02-30（例如 2026-12-05、12-05 或 +3）"),
            ("+91", "日期最晚 2027-02-25（90 天内）"),
        ]:
            set_input(form, "#as-of", typed)
            await wait_for(pilot, lambda e=expected: form.error == e, what=expected)
            assert form.quote is None and "合计" not in screen_text(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, PayoffScreen))
    assert unconfirmed(desk_cache) == []
