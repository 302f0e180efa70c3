"""An agent finds the caller by whatever the caller can tell them, and opens the borrower.

Each test types into the real desk over the seed-7 demo cache and checks that the list shows
exactly what ``store.queries.lookup`` finds, then opens the borrower with Enter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from desk_pilot import NOW, open_row, run_desk, search, wait_for, wait_for_view
from textual import events

from workbench.store.db import connect
from workbench.store.queries import borrower_view, lookup
from workbench.ui.format import DISPLAY_TZ
from workbench.ui.screens.desk import RESULT_PAGE

AS_OF = NOW.astimezone(DISPLAY_TZ).date()


@dataclass(frozen=True)
class Caller:
    borrower_id: str
    name: str
    phone: str


@pytest.fixture(scope="module")
def zhang_wei(demo_cache) -> Caller:
    """A 张伟 of the demo portfolio, with his first phone number."""
    conn = connect(demo_cache, readonly=True)
    try:
        hit = next(h for h in lookup(conn, "张伟", as_of=AS_OF) if h.name == "张伟")
        view = borrower_view(conn, hit.borrower_id, AS_OF)
    finally:
        conn.close()
    return Caller(hit.borrower_id, view.borrower.name, view.borrower.phones[0].number)


def expected_ids(demo_cache, query: str, limit: int = RESULT_PAGE) -> list[str]:
    conn = connect(demo_cache, readonly=True)
    try:
        return [hit.borrower_id for hit in lookup(conn, query, limit=limit, as_of=AS_OF)]
    finally:
        conn.close()


@pytest.mark.parametrize(
    "kind", ["full phone", "last 4 of the phone", "two-character name", "pinyin initials"]
)
async def test_typing_finds_the_caller_and_enter_opens_them(demo_cache, zhang_wei, kind):
    query = {
        "full phone": zhang_wei.phone,
        "last 4 of the phone": zhang_wei.phone[-4:],
        "two-character name": "张伟",
        "pinyin initials": "zw",
    }[kind]
    async with run_desk(demo_cache) as pilot:
        shown = await search(pilot, query)
        assert shown == expected_ids(demo_cache, query)
        assert zhang_wei.borrower_id in shown
        if kind == "full phone":
            assert shown[0] == zhang_wei.borrower_id

        await open_row(pilot, shown.index(zhang_wei.borrower_id))
        screen = pilot.app.screen
        assert screen.borrower_id == zhang_wei.borrower_id
        assert str(screen.query_one("#borrower-name").render()) == zhang_wei.name


async def test_enter_before_the_results_arrive_opens_the_first_match(demo_cache, zhang_wei):

    async with run_desk(demo_cache) as pilot:
        await pilot.press(*zhang_wei.phone, "enter")
        await wait_for_view(pilot)
        assert pilot.app.screen.borrower_id == zhang_wei.borrower_id


async def test_escape_goes_back_to_the_search_and_slash_focuses_it(demo_cache, zhang_wei):
    from workbench.ui.screens.desk import DeskScreen
    from workbench.ui.widgets.search_box import SearchBox

    async with run_desk(demo_cache) as pilot:
        await search(pilot, "张伟")
        await open_row(pilot, 0)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DeskScreen)
        assert pilot.app.screen.query_one(SearchBox).value == "张伟"

        await pilot.press("down")  # into the results
        assert not isinstance(pilot.app.focused, SearchBox)
        await pilot.press("slash")
        assert isinstance(pilot.app.focused, SearchBox)
        await pilot.press("escape")  # clears the box
        assert pilot.app.screen.query_one(SearchBox).value == ""


async def test_a_query_that_matches_nobody_says_so(demo_cache):
    async with run_desk(demo_cache) as pilot:
        shown = await search(pilot, "没有这个人")
        assert shown == []
        status = str(pilot.app.screen.query_one("#search-status").render())
        assert status == "未找到与“没有这个人”匹配的客户"


async def test_fast_arrow_keys_after_typing_land_on_the_row_the_agent_meant(demo_cache):

    async with run_desk(demo_cache) as pilot:
        shown = await search(pilot, "zw")
        assert len(shown) >= 3
        # All four keys queued at once, as a terminal delivers a fast typist's burst
        # (Pilot.press would wait for the app to settle after each key).
        for key in ("down", "down", "down", "enter"):
            pilot.app.post_message(events.Key(key, None))
        await wait_for_view(pilot)
        assert pilot.app.screen.borrower_id == shown[2]


async def test_typing_in_the_results_goes_on_typing_in_the_search_box(demo_cache):
    from workbench.ui.widgets.search_box import SearchBox

    async with run_desk(demo_cache) as pilot:
        await search(pilot, "张伟")
        await pilot.press("down", "down")
        for key in ("1", "2"):
            pilot.app.post_message(events.Key(key, key))
        await pilot.pause()
        box = pilot.app.screen.query_one(SearchBox)
        assert box.value == "张伟12"
        assert box.has_focus


async def test_the_desk_reads_the_lookup_pages_once_it_has_started(demo_cache):
    async with run_desk(demo_cache) as pilot:
        desk = pilot.app.screen
        await wait_for(pilot, lambda: desk.pages_warm, what="the start-up read of lookup pages")
        assert await search(pilot, "zw")  # the desk searches as before


def _status(pilot) -> str:
    return str(pilot.app.screen.query_one("#search-status").render())


async def test_a_long_list_comes_a_page_at_a_time_as_the_agent_reaches_its_end(demo_cache):
    """The query "l" finds 75 of the demo's borrowers: 20 are listed, and each time the
    cursor reaches the last row 20 more, the earlier ones and the cursor staying put."""
    from workbench.ui.widgets.results_table import ResultsTable

    everyone = expected_ids(demo_cache, "l", limit=300)
    assert len(everyone) == 75
    async with run_desk(demo_cache) as pilot:
        desk = pilot.app.screen
        table = desk.query_one(ResultsTable)
        shown = await search(pilot, "l")
        assert shown == everyone[:RESULT_PAGE]
        assert _status(pilot).startswith("找到 20 位以上客户 · 移到最后一行可显示更多")
        await pilot.press("down")  # into the list
        for listed in (40, 60, 75):
            last = table.row_count - 1
            await pilot.press("ctrl+end" if listed < 75 else "pagedown")
            await wait_for(pilot, lambda n=listed: table.row_count == n, what=f"{listed} rows")
            assert [key.value for key in table.rows] == everyone[:listed]
            assert table.cursor_row == last  # the agent is on the row they went to
        assert _status(pilot) == "找到 75 位客户 · 回车打开"
        await pilot.press("ctrl+end")  # nothing more to list: the list stays
        await pilot.pause()
        assert table.row_count == 75 and not desk.is_searching

        await pilot.press("escape")  # a new query starts again from one page
        assert await search(pilot, "张") == expected_ids(demo_cache, "张")
        assert table.row_count == RESULT_PAGE


async def test_a_list_that_fits_one_page_says_how_many_it_holds(demo_cache):
    everyone = expected_ids(demo_cache, "zw", limit=300)
    assert 0 < len(everyone) <= RESULT_PAGE
    async with run_desk(demo_cache) as pilot:
        assert await search(pilot, "zw") == everyone
        assert _status(pilot) == f"找到 {len(everyone)} 位客户 · 回车打开"


async def test_the_english_desk_says_there_are_more_in_one_line_at_80_columns(demo_cache):
    async with run_desk(demo_cache, lang="en", size=(80, 24)) as pilot:
        assert len(await search(pilot, "l")) == RESULT_PAGE
        status = _status(pilot)
        assert status == "More than 20 borrowers found · last row for more, or type more"
        assert pilot.app.screen.query_one("#search-status").size.height == 1
