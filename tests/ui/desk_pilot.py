"""Helpers for driving the real desk with Pilot.

Tests wait on conditions (``wait_for``), never on fixed sleeps, and every app is left only after
its workers have finished (``run_desk``), so a test never ends with a thread still reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot

from workbench.sync.status import SyncStatus
from workbench.ui.app import SyncService, WorkbenchApp

NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")
SIZE = (140, 45)


def fixed_clock() -> datetime:
    """The clock of every UI test: 2026-11-27 10:00 in Beijing."""
    return NOW


class TimedOut(AssertionError):
    """A condition a test waited for never came true."""


async def wait_for(
    pilot: Pilot, predicate: Callable[[], object], *, timeout: float = 10.0, what: str = ""
) -> None:
    """Let the app run until ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimedOut(f"timed out after {timeout}s waiting for {what or predicate}")
        # A plain sleep lets the app (same event loop) run; pilot.pause would also walk every
        # widget's queue each time, which is slow on a full screen.
        await asyncio.sleep(0.005)
    await pilot.pause()


async def settle(pilot: Pilot) -> None:
    """Wait until every worker of the app has finished and the screen has caught up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def make_test_app(db_path: Path, *, lang: str | None = "zh") -> WorkbenchApp:
    """The real app as tests run it: fixed clock, no animations (nothing moves between the
    moment a test acts and the moment it looks)."""
    app = WorkbenchApp(db_path, clock=fixed_clock, lang=lang)
    app.animation_level = "none"
    return app


@asynccontextmanager
async def run_desk(
    db_path: Path,
    *,
    lang: str | None = "zh",
    size: tuple[int, int] = SIZE,
    sync: Callable[[Callable[[SyncStatus], None]], SyncService] | None = None,
    message_hook: Callable[[Message], None] | None = None,
) -> AsyncIterator[Pilot]:
    """The real app over ``db_path`` at a fixed clock, run headless; workers drained on exit.

    ``sync(on_status)`` builds the background sync (e.g. a ``SyncRunner`` reporting to
    ``on_status``); ``message_hook`` sees every message the app processes."""
    app = make_test_app(db_path, lang=lang)
    if sync is not None:
        app.sync = sync(app.report_sync_status)
    async with app.run_test(size=size, message_hook=message_hook) as pilot:
        try:
            yield pilot
        finally:
            await app.workers.wait_for_complete()


def screen_text(pilot: Pilot) -> str:
    """What the terminal shows right now, one line per row (wide characters once each)."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def search(pilot: Pilot, query: str) -> list[str]:
    """Type ``query`` into the empty search box; return the borrower ids listed for it."""
    from workbench.ui.screens.desk import DeskScreen
    from workbench.ui.widgets.results_table import ResultsTable
    from workbench.ui.widgets.search_box import SearchBox

    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.focused, SearchBox),
        what="the search box to take the focus",
    )
    desk = pilot.app.screen
    assert isinstance(desk, DeskScreen)
    await pilot.press(*query)
    await wait_for(
        pilot,
        lambda: desk.shown_query == query and not desk.is_searching,
        what=f"results for {query!r}",
    )
    table = desk.query_one(ResultsTable)
    return [row_key.value for row_key in table.rows]


async def wait_for_view(pilot: Pilot) -> None:
    """Wait until a borrower's unified view is shown with its first history lines read."""
    from workbench.ui.screens.borrower import BorrowerScreen

    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, BorrowerScreen) and pilot.app.screen.is_ready,
        what="the unified borrower view",
    )


async def open_row(pilot: Pilot, row: int) -> None:
    """Highlight result ``row`` with the arrow keys, press Enter, wait for the unified view."""
    await pilot.press("down", *["down"] * row, "enter")
    await wait_for_view(pilot)


def status_line(pilot: Pilot) -> str:
    """The text of the sync status line on the current screen."""
    return str(pilot.app.screen.query_one("#sync-bar").render())


def history_rows(pilot: Pilot) -> list[str]:
    """The history lines on screen (their text), newest first."""
    from workbench.ui.widgets.history_view import HistoryView

    history = pilot.app.screen.query_one(HistoryView)
    return [history.render_line(y).text for y in range(history.size.height)]
