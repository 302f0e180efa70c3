"""A borrower with thousands of contacts opens at once, and the end of the history is a key away."""

from __future__ import annotations

import time

from desk_pilot import run_desk, screen_text, wait_for, wait_for_view

from workbench.core.demo import heavy_borrowers
from workbench.ui.format import local_time
from workbench.ui.widgets.history_view import PAGE, HistoryView

DEMO_BORROWERS, DEMO_SEED = 300, 7


def busiest_borrower() -> str:
    """The demo borrower with the most interactions (the generator's one heavy borrower)."""
    (index,) = heavy_borrowers(DEMO_BORROWERS, DEMO_SEED)
    return f"B{index:06d}"


async def test_thousands_of_contacts_open_instantly_and_scroll_to_the_oldest(demo_cache):
    async with run_desk(demo_cache) as pilot:
        started = time.perf_counter()
        pilot.app.open_borrower(busiest_borrower())
        await wait_for_view(pilot)
        opened_in = time.perf_counter() - started
        history = pilot.app.screen.query_one(HistoryView)
        total = history.total
        assert total >= 1000
        assert history.pages_in_memory <= 2  # only what is on screen was read
        assert opened_in < 3.0, f"opening took {opened_in:.2f}s"

        started = time.perf_counter()
        await pilot.press("end")
        await wait_for(pilot, lambda: history.item(total - 1) is not None, what="the oldest page")
        await pilot.pause()
        assert time.perf_counter() - started < 2.0
        assert history.cursor == total - 1
        oldest = history.item(total - 1)
        text = screen_text(pilot)
        assert local_time(oldest.started_at) in text
        assert f"第 {total:,} / {total:,} 条" in text
        assert history.pages_in_memory <= 4
        assert (total - 1) // PAGE in history.loaded_pages

        await pilot.press("home")
        await wait_for(pilot, lambda: history.item(0) is not None and history.cursor == 0)
        assert "第 1 / " in screen_text(pilot)
