"""Mistakes a person can make get a clear message in their language, and the desk goes on."""

from __future__ import annotations

from desk_pilot import run_desk, wait_for

from workbench.ui.screens.desk import DeskScreen


async def test_an_unknown_borrower_says_so_and_escape_goes_back(demo_cache):
    async with run_desk(demo_cache) as pilot:
        pilot.app.open_borrower("B999999")
        await wait_for(pilot, lambda: pilot.app.screen.query(".screen-message"), what="message")
        message = pilot.app.screen.query_one(".screen-message")
        assert str(message.render()) == "未找到客户 B999999"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DeskScreen))


async def test_a_file_that_is_not_a_cache_is_reported_in_english_too(tmp_path):
    not_a_cache = tmp_path / "notes.db"
    not_a_cache.write_text("this is not a database\n" * 100)
    async with run_desk(not_a_cache, lang="en") as pilot:
        status = pilot.app.screen.query_one("#search-status")
        await wait_for(pilot, lambda: "Cannot read the local cache" in str(status.render()))
        assert pilot.app.is_running
