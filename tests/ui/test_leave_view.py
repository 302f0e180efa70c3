"""Leaving the borrower view at any moment never takes the desk down.

The view may be left (Esc, ``/``, or a call popping another borrower, which goes back from
the app itself) while its tabs are still being mounted, just as its body appears, or while a
refresh (the sync brought changes) is being shown in place. Each time the desk is back,
answering, and the view opens again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from desk_pilot import run_desk, search, settle, wait_for, wait_for_view
from textual.message import Message
from textual.widgets._tabbed_content import ContentTabs

from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.desk import DeskScreen
from workbench.ui.widgets.borrower_body import BorrowerBody

TWO_LOANS = "B000295"  # seed-7 demo: two loans, one of them 50 days late
OTHERS = ["B000001", "B000002", "B000003"]


def _view(app) -> BorrowerScreen | None:
    return app.screen if isinstance(app.screen, BorrowerScreen) else None


def _tabs_mounting(app) -> bool:
    """The view's tabs exist but have not finished mounting."""
    view = _view(app)
    tabs = view.query(ContentTabs) if view is not None else []
    return bool(tabs) and not tabs.first().is_mounted


def _body_there(app) -> bool:
    view = _view(app)
    return view is not None and bool(view.query(BorrowerBody))


async def _leave_when(pilot, moment: Callable[[], bool], timeout: float = 5.0) -> None:
    """Go back to the search (from the app, as a call pop does) at ``moment``, or once the
    view is ready if that moment never comes (the layout is kept from an earlier borrower)."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while not moment():
        view = _view(app)
        if (view is not None and view.is_ready) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0)  # as fine-grained as the event loop allows
    app.back_to_search()
    await wait_for(pilot, lambda: isinstance(app.screen, DeskScreen), what="the desk")
    await settle(pilot)


async def _still_answers(pilot) -> None:
    assert pilot.app._exception is None
    assert await search(pilot, "张伟")
    pilot.app.open_borrower(TWO_LOANS)
    await wait_for_view(pilot)
    assert pilot.app.screen.borrower_id == TWO_LOANS


async def test_leaving_while_the_tabs_are_being_mounted(demo_cache):
    async with run_desk(demo_cache) as pilot:
        for bid in [TWO_LOANS, *OTHERS]:
            pilot.app.open_borrower(bid)
            await _leave_when(pilot, lambda: _tabs_mounting(pilot.app))
        await _still_answers(pilot)


async def test_leaving_as_the_body_appears(demo_cache):
    async with run_desk(demo_cache) as pilot:
        for bid in [TWO_LOANS, *OTHERS]:
            pilot.app.open_borrower(bid)
            await _leave_when(pilot, lambda: _body_there(pilot.app))
        await _still_answers(pilot)


async def test_leaving_while_a_refresh_is_shown_in_place(demo_cache):
    read: list[Message] = []

    def hook(message: Message) -> None:
        if type(message).__name__ in ("Read", "Refreshed"):
            read.append(message)

    async with run_desk(demo_cache, message_hook=hook) as pilot:
        for bid in [TWO_LOANS, *OTHERS]:
            pilot.app.open_borrower(bid)
            await wait_for_view(pilot)
            read.clear()
            pilot.app.cache_changed()  # the sync brought changes: the view reads again
            await _leave_when(pilot, lambda: bool(read))
        await _still_answers(pilot)
