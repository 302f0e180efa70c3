"""Lookup results: one row per borrower, Enter opens the unified view.

A ``DataTable`` in every respect (rows, cursor, keys, mouse, messages) except how a line is
drawn. The stock table draws each cell through Rich (a ``Padding`` inside a ``Styled``, measured
and cropped by the console): about 0.2–0.5 ms a cell, so a new list of 50 hits cost 50–200 ms
of drawing per keystroke. Our cells are one line of ``Text`` that fits its column (the columns
are sized to their longest cell), so :meth:`ResultsTable.render_line` builds the same segments
directly — same styles, same mouse metadata — and keeps each line until the rows, the cursor,
the hover or the styles change. New rows are also sized at once (``show``), as the stock table
sizes them when next idle, so the frame that shows them can come right away.

This reads ``DataTable``'s own bookkeeping (``_data``, ``_row_locations``, ``_new_rows``,
``_update_count``); ``tests/ui/test_search_render.py`` holds the drawing to the stock table's
output, line by line and style by style, and the sizes to the stock table's sizes, so a Textual
upgrade that moves them fails there first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from workbench.ui.bindings import localize_bindings
from workbench.ui.format import BUCKET_CLASSES, label, plain
from workbench.ui.i18n import language, t

if TYPE_CHECKING:
    from workbench.store.queries import LookupHit

COLUMN_KEYS = ("name", "id_no", "phone", "city", "matched", "bucket")
_BUCKET_STYLES = {
    "M0": "green",
    "M1": "yellow",
    "M2": "dark_orange",
    "M3": "red",
    "M4+": "bold red",
}
_MAX_LINES = 512  # drawn lines kept (a screenful is ~40; more only after scrolling around)


class ResultsTable(DataTable):
    """The borrowers a lookup found; row keys are borrower ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "key.open", id="desk.open"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        localize_bindings(self)
        self._label_widths: dict[str | None, int] = {}
        self._lines: dict[tuple, Strip] = {}
        self._lines_of = -1  # the table's update count the kept lines belong to
        self._line_styles: tuple[Style, Style, Style] | None = None
        self._base_style = Style()
        self._metas: dict[tuple[int, int], Style] = {}  # mouse metadata of each cell
        self._parsed: dict[str, Style] = {}  # cell styles by name
        self._frame_styles: dict[tuple[bool, ...], tuple[Style, Style]] = {}  # this frame's

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key in COLUMN_KEYS:
            self.add_column(t(f"desk.col.{key}"), key=key)
        self._label_widths = {
            key.value: column.content_width for key, column in self.columns.items()
        }

    def update(self, hits: list[LookupHit]) -> None:
        """Show a newer reading of the same lookup: the same borrowers are updated in place
        (cursor and scroll untouched); a different list replaces the rows."""
        listed = [row_key.value for row_key in self.rows]
        if listed != [hit.borrower_id for hit in hits]:
            self.show(hits, keep=self.borrower_at_cursor())
            return
        for hit in hits:
            for key, cell in zip(COLUMN_KEYS, _row(hit), strict=True):
                self.update_cell(hit.borrower_id, key, cell, update_width=True)

    def show(self, hits: list[LookupHit], *, keep: str | None = None) -> None:
        """Replace the rows with ``hits`` (at most a lookup's limit) and highlight the first,
        or the row of borrower ``keep`` when it is still listed."""
        # The columns stay; their widths go back to their titles', so they fit these rows,
        # not earlier, longer ones.
        self.clear()
        for column in self.columns.values():
            column.content_width = self._label_widths.get(column.key.value, 0)
        for hit in hits:
            self.add_row(*_row(hit), key=hit.borrower_id)
        self._size_now()
        if hits:
            ids = [hit.borrower_id for hit in hits]
            self.move_cursor(row=ids.index(keep) if keep in ids else 0)

    def _size_now(self) -> None:
        """Size the columns and the scrollable area for the new rows now, as ``DataTable``
        does when it is next idle: the frame that shows the rows can then come at once, with
        the rows whole (not cropped to the column titles) and the scroll bar right."""
        new_rows = set(self._new_rows)
        self._new_rows.clear()
        self._require_update_dimensions = False
        self._update_dimensions(new_rows)
        if self.is_mounted and self.container_size:
            # The scroll bar shown or hidden for these rows in the same layout pass, rather than
            # in a second one after that frame (and the rows drawn again, a column narrower).
            self._scroll_update(self.virtual_size)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # ``DataTable`` measures every new cell through Rich (~40 µs each, 15 ms for 50 rows);
        # the width of a one-line ``Text`` is the widest of its lines, as Rich measures it.
        keys = [key for key in new_rows if key in self._row_locations]
        rows = [self._data.get(key) for key in keys]
        simple = self._is_plain_table() and all(
            self.rows[key].height == 1 and self.rows[key].label is None for key in keys
        )
        if not simple or not all(isinstance(c, Text) for r in rows if r for c in r.values()):
            super()._update_dimensions(keys)
            return
        for column in self.ordered_columns:
            for row in rows:
                cell = row.get(column.key) if row else None
                if cell is not None:
                    width = max(map(cell_len, cell.plain.splitlines()), default=0)
                    column.content_width = max(column.content_width, width)
        self.virtual_size = Size(
            sum(column.get_render_width(self) for column in self.columns.values()),
            self._total_row_height + self.header_height,
        )

    def action_cursor_up(self) -> None:
        """Up from the first row goes back to the search box."""
        if self.cursor_row <= 0:
            self.screen.focus_previous()
        else:
            super().action_cursor_up()

    def borrower_at_cursor(self) -> str | None:
        """The borrower id of the highlighted row, if any."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return row_key.value

    # -- drawing --------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The row styles of this frame (focus, theme and dark/light decide them).
        self._line_styles = (
            self.get_component_styles("datatable--header").rich_style,
            self.get_component_styles("datatable--even-row").rich_style,
            self.get_component_styles("datatable--odd-row").rich_style,
        )
        self._base_style = self.rich_style  # computed once a frame, not once a line
        self._frame_styles.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Line ``y``: the header, a row, or blank below the rows (as ``DataTable`` draws it)."""
        if not self._is_plain_table() or self._line_styles is None:
            return super().render_line(y)
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        row_index = -1 if y == 0 else y - 1 + scroll_y
        base_style = self._base_style
        if row_index >= self.row_count:
            return Strip.blank(width, base_style)
        cursor = self.show_cursor and self.cursor_coordinate.row == row_index
        hover = self.hover_coordinate.row == row_index
        if self._lines_of != self._update_count or len(self._lines) > _MAX_LINES:
            self._lines.clear()
            self._lines_of = self._update_count
        key = (
            row_index,
            cursor,
            hover,
            self._show_hover_cursor,
            self._pseudo_class_state,
            self._line_styles,
            base_style,
            width,
            scroll_x,
        )
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = self._draw_line(row_index, cursor, hover, base_style)
        return strip

    def _is_plain_table(self) -> bool:
        """The layout the fast drawing knows: a header, one-line rows, a row cursor, no
        fixed rows or columns and no row labels (otherwise ``DataTable`` draws)."""
        return (
            self.show_header
            and self.header_height == 1
            and self.cursor_type == "row"
            and not self.fixed_rows
            and not self.fixed_columns
            and not self._labelled_row_exists
        )

    def _draw_line(self, row_index: int, cursor: bool, hover: bool, base_style: Style) -> Strip:
        header, even, odd = self._line_styles or (Style(), Style(), Style())
        columns = self.ordered_columns
        if row_index == -1:
            row_style = header
            cells = [column.label for column in columns]
        else:
            row_style = odd if row_index % 2 else even
            row_key = self._row_locations.get_key(row_index)
            data = self._data.get(row_key, {}) if row_key is not None else {}
            cells = [data.get(column.key) for column in columns]
        component, post = self._cell_styles(row_index == -1, hover, cursor)
        cell_style = row_style + component  # the cell's metadata has no colour: order is free
        padding = self.cell_padding
        segments: list[Segment] = []
        table_width = 0
        for column_index, (column, cell) in enumerate(zip(columns, cells, strict=True)):
            # ``Column.get_render_width``, without reading the padding again for each cell
            width = 2 * padding + (column.content_width if column.auto_width else column.width)
            table_width += width
            pre = cell_style + self._meta(row_index, column_index)
            segments += self._cell(cell, width, padding, pre, post)
        extend, _ = self._cell_styles(row_index == -1, hover, cursor, css_priority=False)
        extend_style = row_style + extend + self._meta(row_index, -1)
        width = self.size.width
        segments.append(Segment(" " * max(0, width - table_width), extend_style))
        scroll_x = self.scroll_offset.x
        if not scroll_x and table_width <= width:  # exactly as wide as the line: one strip
            return Strip(Segment.simplify(segments), width)
        if scroll_x:
            segments = list(Strip(segments).crop(scroll_x, scroll_x + width))
        return Strip(segments).adjust_cell_length(width, base_style).simplify()

    def _meta(self, row: int, column: int) -> Style:
        """The mouse metadata of a cell (``column`` -1: the space right of the columns)."""
        meta = self._metas.get((row, column))
        if meta is None:
            if column < 0:
                found = {"row": row, "column": 0, "out_of_bounds": True}
            else:
                found = {"row": row, "column": column}
            meta = self._metas[(row, column)] = Style.from_meta(found)
        return meta

    def _cell_styles(
        self, header: bool, hover: bool, cursor: bool, *, css_priority: bool = True
    ) -> tuple[Style, Style]:
        """(the cell's style, the style laid over its text): ``DataTable``'s rules for a
        header or row cell under the hover and the cursor (worked out once a frame)."""
        key = (header, hover, cursor, css_priority)
        found = self._frame_styles.get(key)
        if found is None:
            found = self._frame_styles[key] = self._work_out_styles(*key)
        return found

    def _work_out_styles(
        self, header: bool, hover: bool, cursor: bool, css_priority: bool
    ) -> tuple[Style, Style]:
        get = self.get_component_rich_style
        style = Style()
        show = self.show_cursor
        if hover and show and self._show_hover_cursor:
            style += get("datatable--hover")
            if header:
                style += get("datatable--header-hover")
        if cursor and show:
            style += get("datatable--cursor")
            if header:
                style += get("datatable--header-cursor")
        post = Style.null()
        if css_priority and self.cursor_foreground_priority == "css":
            post += Style.from_color(color=style.color)
        if css_priority and self.cursor_background_priority == "css":
            post += Style.from_color(bgcolor=style.bgcolor)
        return style, post

    def _cell(self, cell: object, width: int, pad: int, pre: Style, post: Style) -> list[Segment]:
        """One cell ``width`` wide (``pad`` each side included) as Rich would draw it."""
        if not isinstance(cell, Text):
            return self._rich_cell(cell, width, pre, post)
        plain = cell.plain
        length = cell.cell_len
        if (
            length > width - 2 * pad
            or "\n" in plain
            or "\t" in plain
            or cell.justify not in (None, "default", "left")
        ):
            return self._rich_cell(cell, width, pre, post)
        blank = pre + post
        out = [Segment(" " * pad, blank)] if pad else []
        if cell.spans:
            pieces = [seg for seg in cell.render(self.app.console, end="") if seg.text]
        elif plain:  # ``render`` leaves a span-less text's own style to its caller
            pieces = [Segment(plain, self._text_style(cell.style))]
        else:
            pieces = []
        out += [Segment(seg.text, pre + seg.style + post if seg.style else blank) for seg in pieces]
        if rest := width - pad - length:
            out.append(Segment(" " * rest, blank))
        return out

    def _text_style(self, style: str | Style) -> Style | None:
        """A cell's own style (``"bold"``) as a Rich ``Style``, parsed once."""
        if not style:
            return None
        if isinstance(style, Style):
            return style
        found = self._parsed.get(style)
        if found is None:
            found = self._parsed[style] = self.app.console.get_style(style)
        return found

    def _rich_cell(self, cell: object, width: int, pre: Style, post: Style) -> list[Segment]:
        """A cell the quick path does not cover, drawn the way ``DataTable`` draws it."""
        from rich.padding import Padding
        from textual.renderables.styled import Styled
        from textual.widgets._data_table import default_cell_formatter

        renderable = Text("") if cell is None else default_cell_formatter(cell, wrap=False)
        options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
        lines = self.app.console.render_lines(
            Styled(Padding(renderable, (0, self.cell_padding)), pre_style=pre, post_style=post),
            options,
        )
        return lines[0] if lines else [Segment(" " * width, pre + post)]


def _row(hit: LookupHit) -> tuple[Text, ...]:
    """The cells of one hit (in the current language)."""
    return _cells(hit, language())


@functools.lru_cache(maxsize=256)  # the next key's hits are often the same borrowers
def _cells(hit: LookupHit, lang: str) -> tuple[Text, ...]:
    bucket = hit.worst_bucket if hit.worst_bucket in BUCKET_CLASSES else "M4+"
    return (
        Text(_plain(hit.name, 32), style="bold"),
        Text(_plain(hit.masked_id_no, 20)),
        Text(_plain(hit.masked_phone, 16)),
        Text(_plain(hit.city, 12)),
        Text(label("match", hit.matched_by), style="dim"),
        Text(f"● {_plain(hit.worst_bucket, 4)}", style=_BUCKET_STYLES[bucket]),
    )


def _plain(text: str | None, limit: int) -> str:
    """``plain(text, limit)``; a short text of printable characters only (no control, format
    or line-break characters) is already that, and is returned as it is."""
    if text and len(text) <= limit and text.isprintable():
        return text
    return plain(text, limit)
