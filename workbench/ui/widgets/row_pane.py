"""A fast table for live figures: one line per row, each line drawn only when its row changes.

Textual's ``DataTable`` draws every visible cell again after any cell changes (its render
cache is keyed on a table-wide update count); a wallboard changing a few rows a second across
50 queues and 500 agents would spend its time there. ``RowPane`` keeps one rendered ``Strip``
per row: ``set_row(key, cells)`` redraws that row only, and scrolling reuses the strips.

Cells are ``str`` or ``rich.text.Text`` (styled by the caller from theme variables); columns
have fixed widths; numbers are right-aligned when ``right`` says so. The cursor row (↑/↓)
is shown reversed and reported by ``cursor_key``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text


class RowPane(ScrollView, can_focus=True):
    """Rows of fixed-width cells under a header line (see the module doc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
    ]

    DEFAULT_CSS = """
    RowPane { height: 1fr; }
    RowPane:focus { border: none; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, int]],
        *,
        right: Sequence[bool] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = list(columns)  # (title, width)
        self.right = list(right or [False] * len(self.columns))
        self.keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, list[Cell]] = {}
        self._strips: dict[str, Strip] = {}
        self.cursor = 0
        self.redrawn = 0  # rows drawn (tests, benchmarks)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    def cells(self, key: str) -> list[Cell] | None:
        """The cells shown for ``key``."""
        return self._cells.get(key)

    def set_row(self, key: str, cells: list[Cell]) -> None:
        """Show ``cells`` for ``key`` (a new row goes last); unchanged rows are not redrawn."""
        before = self._cells.get(key)
        if before is not None and _same(before, cells):
            return
        if key not in self._cells:
            self._index[key] = len(self.keys)
            self.keys.append(key)
            self.virtual_size = Size(self._width(), len(self.keys) + 1)
        self._cells[key] = cells
        self._strips.pop(key, None)
        if self._visible(self._index[key]):
            self.refresh()

    def _visible(self, index: int) -> bool:
        top = int(self.scroll_offset.y)
        return top <= index < top + max(1, self.size.height)

    def _width(self) -> int:
        return sum(width + 1 for _, width in self.columns)

    def _line(self, cells: Sequence[Cell], style: Style | None = None) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis")
        for (_, width), right, cell in zip(self.columns, self.right, cells, strict=False):
            piece = cell if isinstance(cell, Text) else Text(str(cell))
            piece = piece.copy()
            piece.truncate(width, overflow="ellipsis")
            pad = width - piece.cell_len
            if right:
                text.append(" " * pad)
                text.append_text(piece)
            else:
                text.append_text(piece)
                text.append(" " * pad)
            text.append(" ")
        segments = list(text.render(self.app.console))
        if style is not None:
            segments = list(Segment.apply_style(segments, post_style=style))
        self.redrawn += 1
        return Strip(segments).simplify()

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header, then the rows from the scroll position."""
        width = self.size.width
        if y == 0:
            header = self._line([Text(t, style="bold") for t, _ in self.columns])
            return header.crop_extend(0, width, None)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.keys):
            return Strip.blank(width)
        key = self.keys[index]
        if index == self.cursor and self.has_focus:
            strip = self._line(self._cells[key], Style(reverse=True))
        else:
            strip = self._strips.get(key)
            if strip is None:
                strip = self._strips[key] = self._line(self._cells[key])
        return strip.crop_extend(int(self.scroll_offset.x), int(self.scroll_offset.x) + width, None)

    def action_move(self, step: int) -> None:
        """Move the cursor a row up or down (scrolling to keep it in view)."""
        if not self.keys:
            return
        self.cursor = max(0, min(len(self.keys) - 1, self.cursor + step))
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height - 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()

    def restyle(self) -> None:
        """Draw every row again (the theme changed)."""
        self._strips.clear()
        self.refresh()


def _same(a: Sequence[Cell], b: Sequence[Cell]) -> bool:
    """Same text and same styles (``Text.__eq__`` ignores the base style)."""
    return len(a) == len(b) and all(
        str(x) == str(y) and getattr(x, "style", None) == getattr(y, "style", None)
        for x, y in zip(a, b, strict=True)
    )
