"""The interaction history, newest first, as a virtual list.

Only the lines on screen are rendered (``render_line``), from pages of ``PAGE`` interactions
that a thread worker reads with ``store.queries.interactions_page`` as the view scrolls, so a
borrower with thousands of contacts opens as fast as one with three.

Records whose action the core has not confirmed yet carry a mark (``marks``: record id →
``pending`` 待确认 / ``parked`` 未送达·需处理). When the cache changes under the view,
:meth:`HistoryView.replace` swaps in freshly read pages at once, keeping the cursor on the same
interaction and the lines where they were (no "loading" flash).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from workbench.domain.models import Interaction
from workbench.store.queries import interactions_page
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import reader
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.history_columns import COLUMNS, GAP, cells, fit, notes_width

PAGE = 100
MAX_PAGES = 64  # pages kept in memory; the rest is read again when scrolled back to


class HistoryView(ScrollView, can_focus=True):
    """A cursor over ``total`` interactions of one borrower, read page by page."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history-view--time",
        "history-view--channel",
        "history-view--muted",
        "history-view--notes",
        "history-view--cursor",
        "history-view--loading",
        "history-view--pending",
        "history-view--parked",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", show=False, id="history.up"),
        Binding("down,j", "move(1)", show=False, id="history.down"),
        Binding("pageup", "page(-1)", show=False, id="history.page-up"),
        Binding("pagedown", "page(1)", show=False, id="history.page-down"),
        Binding("home", "first", "key.history_newest", id="history.newest"),
        Binding("end", "last", "key.history_oldest", id="history.oldest"),
    ]

    cursor: reactive[int] = reactive(0)

    class Highlighted(Message):
        """The interaction under the cursor (``None`` while its page is being read) and its
        mark (``pending``/``parked``, or None once the core has it)."""

        def __init__(
            self, index: int, total: int, item: Interaction | None, mark: str | None = None
        ) -> None:
            super().__init__()
            self.index = index
            self.total = total
            self.item = item
            self.mark = mark

    class PageLoaded(Message):
        def __init__(self, page: int, items: list[Interaction], borrower_id: str = "") -> None:
            super().__init__()
            self.page = page
            self.items = items
            self.borrower_id = borrower_id

    def __init__(
        self,
        db_path: Path,
        borrower_id: str,
        total: int,
        *,
        marks: dict[str, str] | None = None,
        pages: dict[int, list[Interaction]] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        localize_bindings(self)
        self.db_path = db_path
        self.borrower_id = borrower_id
        self.total = total
        self.marks: dict[str, str] = dict(marks or {})
        read = sorted((pages or {}).items())  # pages already read (no wait for the first lines)
        self._pages: OrderedDict[int, list[Interaction]] = OrderedDict(read)
        self._lines: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._palette: dict[str, Style] | None = None
        self.virtual_size = Size(1, total)

    # -- data ---------------------------------------------------------------------------

    def item(self, index: int) -> Interaction | None:
        """The interaction at ``index`` (0 = newest) if its page is in memory."""
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    @property
    def loaded_pages(self) -> list[int]:
        """Numbers of the pages in memory (page ``n`` holds items ``n*PAGE`` onwards)."""
        return list(self._pages)

    @property
    def pages_in_memory(self) -> int:
        """How many pages are in memory."""
        return len(self._pages)

    @property
    def is_loading(self) -> bool:
        """True while some line on screen still waits for its page."""
        return bool(self._missing_pages(margin=0))

    def mark(self, index: int) -> str | None:
        """``pending`` / ``parked`` when the interaction at ``index`` is not confirmed yet."""
        item = self.item(index)
        return self.marks.get(item.id) if item is not None else None

    def _wanted_pages(self, margin: int) -> list[int]:
        if not self.total:
            return []
        top = max(int(self.scroll_offset.y) - margin, 0)
        bottom = min(int(self.scroll_offset.y) + max(self.size.height, 1) + margin, self.total)
        wanted = range(top // PAGE, (bottom - 1) // PAGE + 1)
        cursor_page = self.cursor // PAGE
        return [*wanted, cursor_page] if cursor_page not in wanted else list(wanted)

    def _missing_pages(self, margin: int = PAGE // 2) -> list[int]:
        return [page for page in self._wanted_pages(margin) if page not in self._pages]

    def pages_to_reload(self, *, newest: bool = False) -> list[int]:
        """The pages to read again when the cache changed: those on screen (and the cursor's),
        one more in case new interactions pushed lines down, and the first when ``newest``."""
        pages = self._wanted_pages(margin=0) or [0]
        pages.append(pages[-1] + 1)
        if newest and 0 not in pages:
            pages.insert(0, 0)
        return pages

    def replace(
        self,
        total: int,
        pages: dict[int, list[Interaction]],
        marks: dict[str, str],
        *,
        newest: bool = False,
    ) -> None:
        """Show freshly read ``pages`` of ``total`` interactions in one go.

        The cursor stays on the interaction it was on (lines added above it move it down, and
        the view scrolls with it), except at the top or with ``newest``: then it shows the
        newest interaction.
        """
        anchor = self.item(self.cursor)
        old_cursor, old_total = self.cursor, self.total
        self.total = total
        self.marks = dict(marks)
        self._pages = OrderedDict((n, pages[n]) for n in sorted(pages))
        self._lines.clear()
        self.virtual_size = Size(1, total)
        target = 0
        if not newest and old_cursor > 0:
            target = old_cursor
            if anchor is not None:
                for guess in (old_cursor + total - old_total, old_cursor):
                    found = self.item(guess)
                    if found is not None and found.id == anchor.id:
                        target = guess
                        break
        target = self._clamp(target)
        shift = target - old_cursor
        if newest:
            self.scroll_to(y=0, animate=False, immediate=True)
        elif shift and self.scroll_offset.y > 0:
            self.scroll_to(y=self.scroll_offset.y + shift, animate=False, immediate=True)
        self.set_reactive(HistoryView.cursor, target)
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def show_borrower(
        self,
        borrower_id: str,
        total: int,
        pages: dict[int, list[Interaction]],
        marks: dict[str, str],
    ) -> None:
        """Show another borrower's history (the view is kept from borrower to borrower):
        ``pages`` already read, the cursor on the newest interaction."""
        if borrower_id != self.borrower_id:
            self.workers.cancel_group(self, "history-pages")
            self.borrower_id = borrower_id
            self._pages.clear()
            self.set_reactive(HistoryView.cursor, 0)
        self.replace(total, pages, marks, newest=True)

    def _request_pages(self) -> None:
        missing = self._missing_pages()
        if missing:
            self._load_pages(missing)

    @work(exclusive=True, group="history-pages", exit_on_error=False)
    async def _load_pages(self, pages: list[int]) -> None:
        borrower_id = self.borrower_id
        for page in pages:
            items = await reader(self.app, "view").run(
                interactions_page, borrower_id, offset=page * PAGE, limit=PAGE
            )
            if borrower_id != self.borrower_id:
                return  # another borrower is shown now
            self.post_message(self.PageLoaded(page, items, borrower_id))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            detail = t("error.cache", detail=plain(str(event.worker.error), 200))
            self.notify(detail, severity="error", markup=False)

    def on_history_view_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.borrower_id != self.borrower_id:
            return
        self._pages[message.page] = message.items
        self._pages.move_to_end(message.page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        self.refresh()
        if self.cursor // PAGE == message.page:
            self._announce()

    # -- cursor ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._request_pages()
        self._announce()

    def on_resize(self) -> None:
        self._lines.clear()
        self._request_pages()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._request_pages()

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        self._announce()

    def _announce(self) -> None:
        self.post_message(
            self.Highlighted(
                self.cursor, self.total, self.item(self.cursor), self.mark(self.cursor)
            )
        )

    def _scroll_to_cursor(self) -> None:
        height = max(self.scrollable_content_region.height, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self._request_pages()

    def _clamp(self, index: int) -> int:
        return min(max(index, 0), max(self.total - 1, 0))

    def action_move(self, delta: int) -> None:
        """Move the cursor by ``delta`` lines."""
        self.cursor = self._clamp(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor a screenful up (-1) or down (1)."""
        step = max(self.scrollable_content_region.height - 1, 1)
        self.cursor = self._clamp(self.cursor + direction * step)

    def action_first(self) -> None:
        """Jump to the newest interaction."""
        self.cursor = 0

    def action_last(self) -> None:
        """Jump to the oldest interaction."""
        self.cursor = self._clamp(self.total - 1)

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.total:
            self.cursor = index

    # -- rendering ------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()
        self._palette = None

    @property
    def palette(self) -> dict[str, Style]:
        """The styles of a line, worked out once until the widget's styles change: ``base``,
        ``cursor`` (focused) and ``selected`` (not focused), then each column's and mark's."""
        if self._palette is None:
            base = self.rich_style
            component = self.get_component_rich_style
            self._palette = {
                "base": base,
                "cursor": base + component("history-view--cursor"),
                "selected": base + Style(bold=True),
                "loading": base + component("history-view--loading"),
                **{
                    name: component(f"history-view--{name}", partial=True)
                    for name in ("time", "channel", "notes", "muted", "pending", "parked")
                },
            }
        return self._palette

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        palette = self.palette
        base = palette["base"]
        if not self.total:
            text = t("history.empty") if y == 0 else ""
            return Strip([Segment(fit(" " + text, width), base)], width)
        if index >= self.total:
            return Strip.blank(width, base)
        item = self.item(index)
        if item is None:
            return Strip(
                [Segment(fit(" " + t("history.loading"), width), palette["loading"])], width
            )
        selected = index == self.cursor
        key = (index, width, selected and self.has_focus)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._render_row(item, width, key[2], selected, self.marks.get(item.id))
            self._lines[key] = strip
        return strip

    def _render_row(
        self, item: Interaction, width: int, focused: bool, selected: bool, mark: str | None
    ) -> Strip:
        text = cells(item)
        palette = self.palette
        base = palette["base"]
        if selected:
            base = palette["cursor"] if focused else palette["selected"]
        muted = palette["muted"]
        segments = [Segment(" ", base)]
        for name, cell_width in COLUMNS:
            segments.append(Segment(fit(text[name], cell_width), base + palette.get(name, muted)))
            segments.append(Segment(" " * GAP, base))
        notes = notes_width(width - 1)
        if mark is not None:
            badge = f" {t(f'mark.{mark}')} "
            badge_width = min(cell_len(badge), notes)
            style = base + palette[mark]
            segments.append(Segment(fit(badge, badge_width), style))
            segments.append(Segment(" "[: max(notes - badge_width, 0)], base))
            notes = max(notes - badge_width - 1, 0)
        segments.append(Segment(fit(text["notes"], notes), base + palette["notes"]))
        return Strip(segments).adjust_cell_length(width, base)

    def on_focus(self) -> None:
        self._lines.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._lines.clear()
        self.refresh()
