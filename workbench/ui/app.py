"""The agent desk application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from workbench import config
from workbench.ui.bindings import localize_bindings
from workbench.ui.format import DISPLAY_TZ
from workbench.ui.i18n import set_language, t


class WorkbenchApp(App[None]):
    """The agent desk over the cache at ``db_path``.

    ``clock`` gives "now" (an aware datetime): the view's as-of date and payoff quotes follow it,
    so tests and training drills can fix it. ``lang`` is ``"zh"`` (default) or ``"en"``;
    ``None`` reads ``WORKBENCH_LANG``.
    """

    CSS_PATH = Path(__file__).with_name("workbench.tcss")  # absolute: subclasses live elsewhere
    ENABLE_COMMAND_PALETTE = False  # its built-in commands are not in our catalog
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "key.quit", priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        db_path: Path | str,
        *,
        clock: Callable[[], datetime] = config.now,
        lang: str | None = None,
    ) -> None:
        self.language = set_language(lang)
        super().__init__()
        localize_bindings(self)
        self.db_path = Path(db_path)
        self.clock = clock
        self.title = t("app.title")
        self.sub_title = t("app.as_of", date=self.as_of().isoformat())

    def as_of(self) -> date:
        """Today in the agent's zone, by ``clock``: the date quotes and DPD are computed for."""
        return self.clock().astimezone(DISPLAY_TZ).date()

    def get_default_screen(self) -> Screen:
        from workbench.ui.screens.desk import DeskScreen

        return DeskScreen()

    def open_borrower(self, borrower_id: str) -> None:
        """Open the unified view of ``borrower_id`` on top of the desk."""
        from workbench.ui.screens.borrower import BorrowerScreen

        self.push_screen(BorrowerScreen(borrower_id, self.as_of()))

    def back_to_search(self) -> None:
        """Close any borrower view and put the cursor in the search box, its text selected so
        the next caller's details replace it."""
        from workbench.ui.screens.desk import DeskScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        desk = self.screen
        if isinstance(desk, DeskScreen):
            desk.action_focus_search()
            desk.query_one("#search", Input).select_all()
