"""Everything on the unified view is reachable from the keyboard."""

from __future__ import annotations

from desk_pilot import open_row, run_desk, search, wait_for, wait_for_view

from workbench.ui.screens.desk import DeskScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.payments_table import PaymentsTable
from workbench.ui.widgets.schedule_table import ScheduleTable
from workbench.ui.widgets.search_box import SearchBox

TWO_LOANS = "B000295"  # seed-7 demo: two loans, one of them 50 days late


async def test_number_keys_open_each_tab_and_put_the_focus_in_it(demo_cache):
    async with run_desk(demo_cache) as pilot:
        pilot.app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        assert isinstance(pilot.app.focused, HistoryView)
        tabs = pilot.app.screen.query_one("#tabs")
        for key, pane, widget in (
            ("2", "tab-schedule", ScheduleTable),
            ("3", "tab-payments", PaymentsTable),
            ("4", "tab-followups", FollowUpsPanel),
            ("1", "tab-history", HistoryView),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda w=widget: isinstance(pilot.app.focused, w), what=pane)
            assert tabs.active == pane


async def test_tab_walks_profile_loans_tabs_and_history(demo_cache):
    async with run_desk(demo_cache) as pilot:
        pilot.app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(pilot.app.focused.id or type(pilot.app.focused).__name__)
        assert seen[:3] == ["profile", "loans", "ContentTabs"]
        assert seen[3] == "history"


async def test_brackets_switch_the_schedule_between_loans(demo_cache):
    async with run_desk(demo_cache) as pilot:
        pilot.app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        screen = pilot.app.screen
        loans = screen.view.loans
        assert len(loans) == 2
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(pilot.app.focused, ScheduleTable))
        table = screen.query_one(ScheduleTable)
        assert table.row_count == loans[0].loan.term_months

        await pilot.press("right_square_bracket")
        caption = str(screen.query_one("#schedule-caption").render())
        assert loans[1].loan.contract_no in caption and "2/2" in caption
        assert table.row_count == loans[1].loan.term_months
        assert screen.query(".loan-card.-selected").first().loan_view is loans[1]

        await pilot.press("left_square_bracket")
        assert loans[0].loan.contract_no in str(screen.query_one("#schedule-caption").render())


async def test_slash_on_the_view_starts_a_new_search(demo_cache):
    async with run_desk(demo_cache) as pilot:
        await search(pilot, "张伟")
        await open_row(pilot, 0)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DeskScreen))
        await wait_for(pilot, lambda: isinstance(pilot.app.focused, SearchBox))
        await pilot.press("z", "w")
        assert pilot.app.focused.value == "zw"  # the old query was selected and replaced
