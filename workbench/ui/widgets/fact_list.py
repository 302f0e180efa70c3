"""Label/value rows drawn by one widget (the profile and vehicle facts).

It paints exactly what a ``Static`` line over a two-column grid of a ``Label`` (names, 9 cells,
dimmed) and a ``Static`` (values, wrapped within the rest of the width) would paint, without a
widget per cell: the unified view is laid out and painted for every borrower opened, and each
widget costs layout and paint time whether its text changed or not.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

NAME_WIDTH = 9
"""Cells of the name column."""

Row = tuple[str, Content]
"""A name (trusted catalog text) and its value (made harmless by the caller)."""


class FactList(Widget):
    """An optional heading line, then label/value rows; long values wrap within their column.

    ``heading`` is drawn as the profile's overview line (``Content`` in the widget's style) or,
    with ``section=True``, as a dimmed bold section title.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"fact-list--name", "fact-list--section"}

    DEFAULT_CSS = """
    FactList { height: auto; }
    FactList > .fact-list--name { color: $text-muted; }
    FactList > .fact-list--section { color: $text-muted; text-style: bold; }
    """

    def __init__(
        self,
        heading: Content | None,
        rows: list[Row],
        *,
        section: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._heading = heading
        self._rows = rows
        self._section = section
        self._lines: tuple[int, list[Strip]] | None = None  # (width, lines) last drawn
        self._names: dict[str, list[Strip]] = {}  # the same few names for every borrower

    @property
    def values(self) -> list[Content]:
        """The values shown, one per row."""
        return [value for _, value in self._rows]

    @property
    def text(self) -> str:
        """The heading and rows as plain text, a row a line (names and values unwrapped)."""
        lines = [] if self._heading is None else [self._heading.plain]
        lines += [f"{name} {value.plain}".strip() for name, value in self._rows]
        return "\n".join(lines)

    def update(self, heading: Content | None, rows: list[Row]) -> None:
        """Show ``heading`` and ``rows`` (nothing is redrawn when they are the same)."""
        if (heading, rows) == (self._heading, self._rows):
            return
        drawn, self._lines = self._lines, None
        self._heading, self._rows = heading, rows
        if drawn is None:
            self.refresh(layout=True)
            return
        width, lines = drawn  # laid out again only if the height changes
        self.refresh(layout=len(self._draw(width)) != len(lines))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None
        self._names.clear()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._draw(width))

    def render_line(self, y: int) -> Strip:
        lines = self._draw(self.size.width)
        if y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def _draw(self, width: int) -> list[Strip]:
        """The lines at ``width`` cells (kept until the text, the style or the width change)."""
        if self._lines is None or self._lines[0] != width:
            self._lines = (width, self._render_lines(width))
        return self._lines[1]

    def _render_lines(self, width: int) -> list[Strip]:
        base = self.visual_style
        lines: list[Strip] = []
        if self._heading is not None:
            style = self.get_visual_style("fact-list--section") if self._section else base
            lines += Visual.to_strips(self, self._heading, width, None, style)
        blank = RichStyle(bgcolor=base.rich_style.bgcolor)
        value_width = max(width - NAME_WIDTH, 0)
        for name, value in self._rows:
            names = self._name_lines(name)
            values = Visual.to_strips(self, value, value_width, None, base)
            for n in range(max(len(names), len(values), 1)):
                segments: list[Segment] = []
                used = 0
                if n < len(names):
                    segments += list(names[n])
                    used = names[n].cell_length
                if used < NAME_WIDTH:
                    segments.append(Segment(" " * (NAME_WIDTH - used), blank))
                if n < len(values):
                    segments += list(values[n])
                lines.append(Strip(segments))
        return lines

    def _name_lines(self, name: str) -> list[Strip]:
        """A name as its own label would draw it: as wide as its text, at most the column."""
        found = self._names.get(name)
        if found is None:
            width = min(cell_len(name), NAME_WIDTH)
            style = self.get_visual_style("fact-list--name")
            found = Visual.to_strips(self, Content(name), width, None, style) if width else []
            self._names[name] = found
        return found
