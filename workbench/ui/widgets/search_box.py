"""The desk's one search box."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from workbench.ui.bindings import localize_bindings
from workbench.ui.i18n import t


class SearchBox(Input):
    """Search by phone, last 4 of a phone, last 6 of the ID, contract, plate, name or pinyin."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "key.open", id="desk.open"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=t("desk.placeholder"), id=id, select_on_focus=False)
        localize_bindings(self)

    def on_mount(self) -> None:
        # Headless runs (tests, screenshots) have nobody to blink for; a still cursor keeps
        # their output identical from run to run.
        if self.app.is_headless:
            self.cursor_blink = False
