"""Pictures of the desk in both languages and of the help screen (fixed clock and size).

Update after an intended change with ``uv run pytest tests/ui/test_keymap_snapshots.py
--snapshot-update`` and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from desk_pilot import SIZE, search, wait_for, wait_for_view

from workbench.ui import i18n


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    """No config.toml or keymap.toml of another test."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WORKBENCH_LANG", raising=False)
    yield
    i18n.set_language("zh")


async def _results(pilot) -> None:
    from workbench.ui.widgets.results_table import ResultsTable

    await search(pilot, "zw")
    await pilot.app.workers.wait_for_complete()
    table = pilot.app.screen.query_one(ResultsTable)
    # The columns fit the rows once the table has measured them (a masked ID is 18 wide).
    await wait_for(pilot, lambda: table.columns["id_no"].content_width >= 18, what="widths")


def test_desk_in_chinese(snap_compare, make_app, demo_cache):
    assert snap_compare(make_app(demo_cache, "zh"), terminal_size=SIZE, run_before=_results)


def test_desk_in_english(snap_compare, make_app, demo_cache):
    assert snap_compare(make_app(demo_cache, "en"), terminal_size=SIZE, run_before=_results)


def test_help_on_the_borrower_view(snap_compare, make_app, demo_cache):
    async def open_help(pilot) -> None:
        from workbench.ui.screens.help import HelpScreen

        pilot.app.open_borrower("B000295")
        await wait_for_view(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.app.workers.wait_for_complete()

    assert snap_compare(make_app(demo_cache, "zh"), terminal_size=SIZE, run_before=open_help)


def test_borrower_view_in_the_high_contrast_theme(snap_compare, make_app, demo_cache):
    async def open_late_borrower(pilot) -> None:
        pilot.app.theme = "workbench-high-contrast"
        pilot.app.open_borrower("B000295")
        await wait_for_view(pilot)
        await pilot.app.workers.wait_for_complete()

    assert snap_compare(
        make_app(demo_cache, "en"), terminal_size=SIZE, run_before=open_late_borrower
    )
