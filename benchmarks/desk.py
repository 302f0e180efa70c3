"""Desk figures in the real headless app: borrower chosen → view painted, keystroke → results.

"Painted" is the first frame the app renders (its compositor update, turned into the bytes a
terminal would be sent) once the state a person waits for is true: for the unified view, the
``BorrowerScreen`` of that borrower is ready (``is_ready``: the view mounted and the history
lines on screen read); for a keystroke, the results list answers exactly what is in the box and
no search is pending (``DeskScreen.shown_query`` / ``is_searching``). The app is the real
``WorkbenchApp``; the subclass only notes the time of each frame.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual._compositor import CompositorUpdate

from workbench.ui.app import WorkbenchApp

SIZE = (140, 45)
CLOCK = datetime.fromisoformat("2026-11-27T10:00:00+08:00")  # the portfolio's as-of day
TIMEOUT_S = 60.0


class TimedApp(WorkbenchApp):
    """The desk, noting when a frame shows what ``watch`` waits for."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path, clock=lambda: CLOCK, lang="zh")
        self.animation_level = "none"
        self.watch: Callable[[], bool] | None = None
        self.painted_at: float | None = None

    def _display(self, screen, renderable) -> None:
        if renderable is not None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # what a real terminal would be sent
            if self.watch is not None and self.painted_at is None and self.watch():
                self.painted_at = time.perf_counter()
        super()._display(screen, renderable)

    async def until_painted(self, started: float) -> float:
        """Seconds from ``started`` to the frame that showed what ``watch`` waits for.

        When the state comes true and no frame follows within :data:`NO_REPAINT_S` (the new
        state looks exactly like the old one, so there is nothing to repaint), the moment it
        came true counts, and :data:`NO_REPAINT` is told.
        """
        deadline = time.monotonic() + TIMEOUT_S
        true_since: float | None = None
        while self.painted_at is None:
            now = time.perf_counter()
            if true_since is None and self.watch is not None and self.watch():
                true_since = now
            if true_since is not None and now - true_since > NO_REPAINT_S:
                NO_REPAINT.append(true_since - started)
                self.painted_at = true_since
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the desk did not paint what was waited for")
            await asyncio.sleep(0.0005)
        elapsed = self.painted_at - started
        self.watch, self.painted_at = None, None
        return elapsed


NO_REPAINT_S = 0.5
NO_REPAINT: list[float] = []
"""Waits that ended with the state on screen but no new frame (the run reports how many)."""


def _desk(app: TimedApp):
    from workbench.ui.screens.desk import DeskScreen

    screen = app.screen
    return screen if isinstance(screen, DeskScreen) else None


async def _desk_ready(app: TimedApp, pilot) -> None:
    from workbench.ui.widgets.search_box import SearchBox

    deadline = time.monotonic() + TIMEOUT_S
    while not isinstance(app.focused, SearchBox):
        if time.monotonic() > deadline:
            raise TimeoutError("the desk's search box never took the focus")
        await asyncio.sleep(0.005)
    await drain(app)
    await pilot.pause()


async def drain(app) -> None:
    """Wait until no worker of the app is running (cancelled ones included, unlike
    ``workers.wait_for_complete``, which raises for a worker a newer one cancelled)."""
    deadline = time.monotonic() + TIMEOUT_S
    while any(not worker.is_finished for worker in app.workers):
        if time.monotonic() > deadline:
            raise TimeoutError("the desk's workers did not finish")
        await asyncio.sleep(0.001)


BETWEEN_CALLERS_S = 1.5
"""The pause before each query is typed: queries are different callers', and an agent does not
take the next call within a second of the last (the desk makes its collector's full pass in
such a pause, ``workbench.ui.idle_gc``). The keys of one query follow each other at once."""


async def desk_figures(
    cache: Path, random_ids: list[str], heavy_ids: list[str], queries: list[str]
) -> tuple[list[float], list[float], list[float]]:
    """(random views, heavy views, keystrokes) in seconds, all in one running desk."""
    app = TimedApp(cache)
    async with app.run_test(size=SIZE) as pilot:
        await _desk_ready(app, pilot)
        randoms = [await _render_view(app, pilot, bid) for bid in random_ids]
        heavies = []
        for n, bid in enumerate(heavy_ids):
            # Another borrower in between (not measured): the desk keeps the last view, and
            # opening the same borrower again would only show what is already there.
            await _render_view(app, pilot, random_ids[n % len(random_ids)])
            heavies.append(await _render_view(app, pilot, bid))
        typed = []
        for query in queries:
            await asyncio.sleep(BETWEEN_CALLERS_S)  # the next caller: the desk has been idle
            typed += await _type_query(app, pilot, query)
        await drain(app)
    return randoms, heavies, typed


async def _render_view(app: TimedApp, pilot, bid: str) -> float:
    """Seconds from ``open_borrower`` to the painted, ready view of ``bid``; then back."""
    from workbench.ui.screens.borrower import BorrowerScreen

    def ready() -> bool:
        screen = app.screen
        return isinstance(screen, BorrowerScreen) and screen.borrower_id == bid and screen.is_ready

    app.watch = ready
    started = time.perf_counter()
    app.open_borrower(bid)
    elapsed = await app.until_painted(started)
    await settle(app, pilot)  # the lazily mounted tabs too, so the next figure starts quiet
    app.back_to_search()
    await settle(app, pilot)
    return elapsed


async def settle(app, pilot) -> None:
    """Workers finished and the screen caught up."""
    await drain(app)
    await pilot.pause()


async def _type_query(app: TimedApp, pilot, query: str) -> list[float]:
    """Seconds from each keystroke to the painted results for the text typed so far.

    The query is typed into an empty box one character at a time, each key only after the
    previous one's results are on screen (a typist reading as they go).
    """
    from workbench.ui.widgets.search_box import SearchBox

    desk = _desk(app)
    box = desk.query_one(SearchBox)
    desk.action_clear_search()
    await pilot.pause()
    out = []
    for n in range(1, len(query) + 1):
        typed = query[:n]

        def answered(typed: str = typed) -> bool:
            shown = desk.shown_query == typed and not desk.is_searching
            return shown and box.value.strip() == typed

        app.watch = answered
        started = time.perf_counter()
        await pilot.press(query[n - 1])
        out.append(await app.until_painted(started))
    return out


def run(measure: Callable, *args, attempts: int = 3):
    """``asyncio.run(measure(*args))``, once more if the app itself failed the first time
    (a failure is reported, not measured; leaving a half-mounted view used to end the app
    with ``No Tab with id '--content-tab-tab-history'``, see ``tests/ui/test_leave_view.py``).
    """
    for attempt in range(1, attempts + 1):
        try:
            return asyncio.run(measure(*args))
        except Exception as exc:
            if attempt == attempts:
                raise
            FAILURES.append(f"{measure.__name__}: {type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")


FAILURES: list[str] = []
"""App failures that a second attempt got past (the run reports them)."""


def main(argv: list[str] | None = None) -> int:
    """``uv run python -m benchmarks.desk --scale 10k``: only the desk's rows (render and
    keystroke), with the view-assembly floors they are compared with; nothing is saved."""
    import argparse

    from benchmarks import build
    from benchmarks.run import PLANS, desk_rows, view_rows_of
    from benchmarks.table import render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.desk", description=main.__doc__)
    parser.add_argument("--scale", choices=list(build.SCALES), default="10k")
    args = parser.parse_args(argv)
    built = build.ensure_built(args.scale)
    plan = PLANS["tiny" if args.scale == "tiny" else "full"]
    view_rows, assembly = view_rows_of(built, plan)
    rows = [*view_rows, *desk_rows(built, plan, assembly)]
    print(render(rows, f"desk figures — {built.borrowers:,} borrowers ({args.scale})"))
    for failure in FAILURES:
        print(f"- the desk failed once and was run again: {failure}")
    if NO_REPAINT:
        print(f"- {len(NO_REPAINT)} waits saw the awaited state with no new frame")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
