"""The results list draws its lines itself: every line must equal what ``DataTable`` draws.

A small app holds one ``ResultsTable``; for each state (rows, cursor, focus, hover, scroll,
narrow and wide) every line of the quick drawing is compared, character by character and
style by style (mouse metadata included), with the stock ``DataTable.render_line``.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable, Input

from workbench.store.queries import LookupHit
from workbench.ui.widgets.results_table import ResultsTable


def _hits(n: int) -> list[LookupHit]:
    names = ["张伟", "欧阳倩倩", "[b]Li[/b] Lei", "王\x1b[31m红", "A" * 40, "李", "🚗车主", "Zoë"]
    buckets = ["M0", "M1", "M2", "M3", "M4+", "X9"]
    return [
        LookupHit(
            borrower_id=f"B{i:03}",
            name=names[i % len(names)],
            masked_id_no="110101********123X",
            masked_phone="138****0000" if i % 3 else "",
            city=["北京", "深圳", "", "乌鲁木齐市"][i % 4],
            matched_by=["phone", "name", "pinyin", "plate", "nonsense"][i % 5],
            worst_bucket=buckets[i % len(buckets)],
        )
        for i in range(n)
    ]


class _Table(App):
    def compose(self) -> ComposeResult:
        yield Input(id="box")
        yield ResultsTable(id="results")


def _cells(segments: list[Segment]) -> list[tuple[str, object]]:
    return [(ch, seg.style) for seg in segments for ch in seg.text]


def _assert_same(table: ResultsTable) -> int:
    width, height = table.size
    table.render_lines(Region(0, 0, width, height))  # the frame's styles, as a repaint does
    for y in range(height):
        quick = ResultsTable.render_line(table, y)
        stock = DataTable.render_line(table, y)
        assert _cells(list(quick)) == _cells(list(stock)), f"line {y} differs"
    return height


async def test_quick_lines_equal_the_data_tables_in_every_state():
    for size in ((140, 30), (60, 20)):
        app = _Table()
        async with app.run_test(size=size) as pilot:
            table = app.query_one(ResultsTable)
            assert _assert_same(table)  # columns only
            table.show(_hits(50))
            _assert_same(table)  # before the columns are sized to the rows (a frame may come)
            await pilot.pause()
            _assert_same(table)
            table.focus()
            await pilot.press("down", "down", "down")
            await pilot.pause()
            _assert_same(table)
            await pilot.press("pagedown")
            await pilot.pause()
            assert table.scroll_offset.y > 0
            _assert_same(table)
            table.hover_coordinate = table.cursor_coordinate.up()
            table._set_hover_cursor(True)
            _assert_same(table)
            table.hover_coordinate = table.cursor_coordinate
            _assert_same(table)
            app.query_one(Input).focus()
            await pilot.pause()
            _assert_same(table)
            table.show(_hits(3)[1:])
            await pilot.pause()
            _assert_same(table)
            table.update(_hits(3)[1:])  # same rows again: cells updated in place
            await pilot.pause()
            _assert_same(table)
            table.show([])
            await pilot.pause()
            _assert_same(table)


async def test_a_themes_change_is_drawn():
    app = _Table()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(ResultsTable)
        table.show(_hits(10))
        await pilot.pause()
        _assert_same(table)
        app.theme = "textual-light"
        await pilot.pause()
        _assert_same(table)


class _Both(App):
    def compose(self) -> ComposeResult:
        yield ResultsTable(id="results")
        yield DataTable(id="stock", cursor_type="row", zebra_stripes=True)


async def test_columns_and_scroll_area_are_sized_as_the_data_table_sizes_them():
    from workbench.ui.widgets.results_table import COLUMN_KEYS, _row

    app = _Both()
    async with app.run_test(size=(140, 40)) as pilot:
        ours = app.query_one(ResultsTable)
        stock = app.query_one("#stock", DataTable)
        for key in COLUMN_KEYS:
            stock.add_column(str(ours.columns[key].label), key=key)
        for hits in (_hits(50), _hits(4), []):
            ours.show(hits)
            widths = [column.content_width for column in ours.ordered_columns]
            size = ours.virtual_size  # sized at once, before any idle
            stock.clear()
            for column in stock.ordered_columns:
                column.content_width = column.label.cell_len
            for hit in hits:
                stock.add_row(*_row(hit), key=hit.borrower_id)
            await pilot.pause()
            assert widths == [column.content_width for column in stock.ordered_columns]
            assert size == stock.virtual_size == ours.virtual_size


def test_cells_are_plain_text_of_the_hit():
    """The quick path for printable text gives what ``plain`` gives, for every kind of text."""
    from workbench.ui.format import plain
    from workbench.ui.widgets.results_table import _plain

    samples = ["张伟", "", "A" * 40, "a\nb", "x\x1b[31my", "\u202eevil", "e\u0301", "Zoë",
               "tab\there", "\u2028", "🚗车主", "[b]x[/b]", "\x85", "\ud800"]  # fmt: skip
    for text in samples:
        for limit in (0, 1, 4, 12, 32):
            assert _plain(text, limit) == plain(text, limit)
