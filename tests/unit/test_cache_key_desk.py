"""The desk on an encrypted cache: its worker threads open the cache with the key from the
environment or the one typed at start (remembered for the process), never prompting."""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import datetime

import pytest

from workbench.store import cipher
from workbench.store.cache_files import rekey
from workbench.ui.app import WorkbenchApp

NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")


async def until(pilot, predicate, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)
    await pilot.pause()


@pytest.mark.parametrize("source", ["WORKBENCH_DB_KEY", "typed at start"])
async def test_the_desk_searches_and_opens_a_borrower_in_an_encrypted_cache(
    demo_cache, tmp_path, monkeypatch, source
):
    from workbench.ui.screens.borrower import BorrowerScreen
    from workbench.ui.screens.desk import DeskScreen
    from workbench.ui.widgets.results_table import ResultsTable
    from workbench.ui.widgets.search_box import SearchBox

    path = tmp_path / "desk.db"
    for suffix in ("", "-wal"):  # the shared demo cache, as it is on disk
        source = demo_cache.with_name(demo_cache.name + suffix)
        if source.exists():
            shutil.copy2(source, path.with_name(path.name + suffix))
    rekey(path, "desk key", old_key=None)
    cipher._keys.clear()
    cipher.set_key_provider(lambda *_: pytest.fail("the desk must never ask for a key"))
    if source == "WORKBENCH_DB_KEY":
        monkeypatch.setenv("WORKBENCH_DB_KEY", "desk key")
    else:
        cipher.remember_key(path, "desk key")
    app = WorkbenchApp(path, clock=lambda: NOW, lang="zh")
    app.animation_level = "none"
    try:
        async with app.run_test(size=(140, 45)) as pilot:
            await until(pilot, lambda: isinstance(app.focused, SearchBox), "the search box")
            desk = app.screen
            assert isinstance(desk, DeskScreen)
            await pilot.press(*"张伟")
            await until(pilot, lambda: desk.shown_query == "张伟" and not desk.is_searching,
                        "the results")  # fmt: skip
            assert len(desk.query_one(ResultsTable).rows) > 0
            await pilot.press("down", "enter")
            await until(pilot, lambda: isinstance(app.screen, BorrowerScreen)
                        and app.screen.is_ready, "the borrower view")  # fmt: skip
            await app.workers.wait_for_complete()
    finally:
        cipher.set_key_provider(None)
        cipher._keys.clear()
