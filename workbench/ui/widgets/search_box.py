"""The desk's one search box."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

from workbench.ui.bindings import localize_bindings
from workbench.ui.i18n import t


class SearchBox(Input):
    """Search by phone, last 4 of a phone, last 6 of the ID, contract, plate, name or pinyin."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "key.open", id="desk.open"),
    ]

    # ``Input`` sets its virtual size to the text's width on every key, and a widget's virtual
    # size asks for a layout of the whole screen: a pass over every widget per keystroke, for
    # a box whose size never changes. Here the box is only repainted — unless the text is, or
    # was, wider than the box, where the layout updates its horizontal scrolling as before.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=t("desk.placeholder"), id=id, select_on_focus=False)
        localize_bindings(self)

    def on_mount(self) -> None:
        # Headless runs (tests, screenshots) have nobody to blink for; a still cursor keeps
        # their output identical from run to run.
        if self.app.is_headless:
            self.cursor_blink = False

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        """Lay the screen out again only when the text overflows (or did) the box."""
        room = self.scrollable_content_region.width
        if max(old.width, new.width) > room:
            self.refresh(layout=True)
