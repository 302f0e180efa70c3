"""The search box repaints itself on a key instead of laying the screen out again; what it
shows (scrolling included, for text wider than the box) must stay what ``Input`` shows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from workbench.ui.widgets.search_box import SearchBox


class _Boxes(App):
    def compose(self) -> ComposeResult:
        yield SearchBox(id="ours")
        yield Input(placeholder=SearchBox().placeholder, id="stock", select_on_focus=False)


def _shown(box: Input) -> list[str]:
    return [box.render_line(y).text for y in range(box.size.height)]


async def test_long_text_scrolls_as_in_a_plain_input():
    app = _Boxes()
    async with app.run_test(size=(30, 8)) as pilot:
        ours, stock = app.query_one("#ours", SearchBox), app.query_one("#stock", Input)
        stock.cursor_blink = False
        text = "13800138000张伟明HT2025SC000254" + "京A12345"  # wider than the box
        for box in (ours, stock):
            box.focus()
            await pilot.press(*text[:5])
            await pilot.pause()
        assert _shown(ours) == _shown(stock)
        for box in (ours, stock):
            box.focus()
            box.insert_text_at_cursor(text[5:-3])
            await pilot.press(*text[-3:])
            await pilot.pause()
        assert ours.scroll_x > 0 and ours.scroll_x == stock.scroll_x
        assert _shown(ours) == _shown(stock)
        for box in (ours, stock):
            box.focus()
            await pilot.press("home")
            await pilot.pause()
        assert ours.scroll_x == stock.scroll_x == 0
        assert _shown(ours) == _shown(stock)
        for box in (ours, stock):
            box.focus()
            await pilot.press("end", "ctrl+u")
            await pilot.pause()
        assert ours.value == stock.value == ""
        assert _shown(ours) == _shown(stock)
