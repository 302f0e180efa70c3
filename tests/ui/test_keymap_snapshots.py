"""Pictures of the desk in both languages and of the help screen (fixed clock and size).

Update after an intended change with ``uv run pytest tests/ui/test_keymap_snapshots.py
--snapshot-update`` and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from desk_pilot import SIZE, wait_for, wait_for_view

from workbench.ui import i18n


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    """No config.toml or keymap.toml of another test."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WORKBENCH_LANG", raising=False)
    yield
    i18n.set_language("zh")


async def _borrower(pilot) -> None:
    """B000295 of the seed-7 demo: VIP, two loans (one 50 days late), a long history."""
    pilot.app.open_borrower("B000295")
    await wait_for_view(pilot)
    await pilot.app.workers.wait_for_complete()


def test_desk_in_chinese(snap_compare, make_app, demo_cache):
    assert snap_compare(make_app(demo_cache, "zh"), terminal_size=SIZE, run_before=_borrower)


def test_desk_in_english(snap_compare, make_app, demo_cache):
    assert snap_compare(make_app(demo_cache, "en"), terminal_size=SIZE, run_before=_borrower)


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
        await _borrower(pilot)

    assert snap_compare(
        make_app(demo_cache, "zh"), terminal_size=SIZE, run_before=open_late_borrower
    )
