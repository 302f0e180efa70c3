"""Pictures of the desk, compared with the accepted ones in ``__snapshots__``.

Fixed clock, fixed terminal size, no cursor blink (headless), data from the seed-7 demo cache.
Update after an intended change with ``uv run pytest tests/ui --snapshot-update`` and look at
the new SVGs before committing them.
"""

from __future__ import annotations

from desk_pilot import SIZE, open_row, search, wait_for


def test_search_results(snap_compare, make_app, demo_cache):
    async def type_query(pilot) -> None:
        await search(pilot, "zw")
        await pilot.app.workers.wait_for_complete()

    assert snap_compare(make_app(demo_cache), terminal_size=SIZE, run_before=type_query)


def test_unified_borrower_view(snap_compare, make_app, demo_cache):
    async def open_zhang_wei(pilot) -> None:
        shown = await search(pilot, "张伟")
        await open_row(pilot, 0)
        await pilot.app.workers.wait_for_complete()
        assert shown

    assert snap_compare(make_app(demo_cache), terminal_size=SIZE, run_before=open_zhang_wei)


def test_repayment_schedule_tab(snap_compare, make_app, demo_cache):
    async def open_schedule(pilot) -> None:
        await search(pilot, "张伟")
        await open_row(pilot, 0)
        await pilot.press("2")
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#tabs").active == "tab-schedule")
        await wait_for(pilot, lambda: pilot.app.focused is pilot.app.screen.query_one("#schedule"))
        await pilot.app.workers.wait_for_complete()

    assert snap_compare(make_app(demo_cache), terminal_size=SIZE, run_before=open_schedule)


def test_late_flagged_borrower_with_two_loans(snap_compare, make_app, demo_cache):
    """B000295 of the seed-7 demo: VIP, two loans (one 50 days late), a real contact history."""

    async def open_borrower(pilot) -> None:
        pilot.app.open_borrower("B000295")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "is_ready", False))
        await pilot.press("down", "down")
        await pilot.app.workers.wait_for_complete()

    assert snap_compare(make_app(demo_cache), terminal_size=SIZE, run_before=open_borrower)
