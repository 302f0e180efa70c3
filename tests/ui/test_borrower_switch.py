"""The kept borrower view, switched from borrower to borrower.

The desk keeps one borrower screen and shows each borrower in it; the reading reaches the
screen before it is shown again, and the screen is not restyled as a whole when nothing its
styles depend on has changed. These tests hold what that must not break: a theme chosen while
the view was closed shows in it, and each borrower shows only their own facts.
"""

from __future__ import annotations

import gc
import re

from desk_pilot import SIZE, fixed_clock, run_desk, screen_text, settle, wait_for, wait_for_view

from workbench.ui.app import WorkbenchApp
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
        facts = view.query_one("#profile-fields", FactList)
        name = facts.get_visual_style("fact-list--name").rich_style
        strips = view._compositor.render_strips()
        phones = [seg.style for strip in strips for seg in strip if seg.text == "电话"]
        assert phones and all(style is not None and style.color == name.color for style in phones)


async def test_each_borrower_shows_their_own_facts(demo_cache):
    async with run_desk(demo_cache) as pilot:
        names = {}
        for bid in (TWO_LOANS, OTHER, TWO_LOANS):
            view = await _open(pilot, bid)
            assert view.view is not None and view.view.borrower.id == bid
            names[bid] = view.view.borrower.name
            assert gc.isenabled()  # the collector waits only until the view is painted
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


class FrameNotingApp(WorkbenchApp):
    """The desk, noting the screen's text in the first frame that shows ``watched`` ready."""

    watched: str | None = None
    first_frame: str | None = None

    def _display(self, screen: object, renderable: object) -> None:
        view = self.screen
        if (
            renderable is not None
            and self.watched is not None
            and self.first_frame is None
            and isinstance(view, BorrowerScreen)
            and view.borrower_id == self.watched
            and view.is_ready
        ):
            strips = view._compositor.render_strips()
            self.first_frame = "\n".join(strip.text for strip in strips)
        super()._display(screen, renderable)


def _content(text: str) -> list[str]:
    """The screen's lines without what Textual draws a frame later: scrollbars, the tab
    underline's position and the key footer (the loan keys come and go with the loans)."""
    lines = text.splitlines()[:-1]
    return [re.sub("[▁▂▃▄▅▆▇]", " ", line.replace("╸", "━").replace("╺", "━")) for line in lines]


async def test_the_first_frame_of_a_borrower_is_the_finished_view(demo_cache):
    """Nothing is painted half laid out: the first frame that shows a borrower (the moment the
    benchmarks call "painted") has every text where the view settles (the view was opened
    once before: the first opening of a session mounts it, and fills its parts as they
    mount)."""
    app = FrameNotingApp(demo_cache, clock=fixed_clock, lang="zh")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen))
        await _open(pilot, "B000002")
        await _back(pilot)
        for bid in ("B000295", "B000001", "B000003", "B000004", "B000295"):
            app.watched, app.first_frame = bid, None
            await _open(pilot, bid)
            await wait_for(pilot, lambda: app.first_frame is not None)
            assert _content(app.first_frame) == _content(screen_text(pilot)), bid
            await _back(pilot)
        await app.workers.wait_for_complete()
