"""The kept borrower view, switched from borrower to borrower.

The desk keeps one borrower screen and shows each borrower in it; the reading reaches the
screen before it is shown again, and the screen is not restyled as a whole when nothing its
styles depend on has changed. These tests hold what that must not break: a theme chosen while
the view was closed shows in it, and each borrower shows only their own facts.
"""

from __future__ import annotations

from desk_pilot import run_desk, screen_text, settle, wait_for, wait_for_view

from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.desk import DeskScreen
from workbench.ui.widgets.fact_list import FactList

TWO_LOANS = "B000295"  # seed-7 demo: VIP, two loans, one of them 50 days late
OTHER = "B000001"


async def _open(pilot, borrower_id: str) -> BorrowerScreen:
    pilot.app.open_borrower(borrower_id)
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, BorrowerScreen)
            and pilot.app.screen.borrower_id == borrower_id
            and pilot.app.screen.is_ready
        ),
        what=f"the view of {borrower_id}",
    )
    await settle(pilot)
    return pilot.app.screen


async def _back(pilot) -> None:
    pilot.app.back_to_search()
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), what="the desk")
    await settle(pilot)


async def test_a_theme_chosen_while_the_view_was_closed_shows_in_it(demo_cache):
    async with run_desk(demo_cache) as pilot:
        view = await _open(pilot, TWO_LOANS)
        dark = view.query_one("#profile").styles.border_top
        await _back(pilot)
        pilot.app.theme = "textual-light"
        await settle(pilot)
        desk_background = pilot.app.screen.styles.background
        view = await _open(pilot, OTHER)
        assert view.styles.background == desk_background
        assert view.query_one("#profile").styles.border_top != dark


async def test_each_borrower_shows_their_own_facts(demo_cache):
    async with run_desk(demo_cache) as pilot:
        names = {}
        for bid in (TWO_LOANS, OTHER, TWO_LOANS):
            view = await _open(pilot, bid)
            assert view.view is not None and view.view.borrower.id == bid
            names[bid] = view.view.borrower.name
            text = screen_text(pilot)
            assert names[bid] in text
            assert all(name not in text for other, name in names.items() if other != bid)
            await _back(pilot)


async def test_the_same_borrower_again_is_shown_at_once(demo_cache):
    async with run_desk(demo_cache) as pilot:
        await _open(pilot, TWO_LOANS)
        await _back(pilot)
        pilot.app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        assert pilot.app.screen.borrower_id == TWO_LOANS
        assert pilot.app.screen.view.borrower.name in screen_text(pilot)


async def _schedule_widths(pilot, borrower_ids: list[str]) -> list[int]:
    """Open each borrower's schedule in turn; the column widths of the last one."""
    from workbench.ui.widgets.schedule_table import ScheduleTable

    for bid in borrower_ids:
        view = await _open(pilot, bid)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(pilot.app.focused, ScheduleTable))
        await settle(pilot)
        table = view.query_one(ScheduleTable)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        await _back(pilot)
    return widths


async def test_the_schedule_columns_fit_the_loan_shown_whatever_came_before(demo_cache):
    wide, narrow = "B000244", "B000001"  # seed-7 demo: ¥10,000+ installments, then < ¥10,000
    async with run_desk(demo_cache) as pilot:
        after_wide = await _schedule_widths(pilot, [wide, narrow])
    async with run_desk(demo_cache) as pilot:
        alone = await _schedule_widths(pilot, [narrow])
    assert after_wide == alone


async def test_a_vehicle_section_per_vehicle_as_borrowers_change(demo_cache):
    """B000003 has two vehicles, B000001 one, B000004 two phones (seed-7 demo)."""
    async with run_desk(demo_cache) as pilot:
        for bid in ("B000001", "B000003", "B000001", "B000004", "B000003"):
            view = await _open(pilot, bid)
            vins = {loan.vehicle.vin for loan in view.view.loans if loan.vehicle}
            shown = [facts.text for facts in view.query(FactList) if facts.display]
            assert len(shown) == 1 + len(vins)  # the profile, then a section per vehicle
            assert all(any(vin in text for text in shown) for vin in vins)
            assert view.view.borrower.phones[-1].number[-4:] in shown[0]
            on_screen = screen_text(pilot)
            assert any(vin in on_screen for vin in vins)
            await _back(pilot)
