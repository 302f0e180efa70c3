"""Text from the core is data, never markup and never terminal control.

A borrower named ``[/]张[VIP]伟[@click=app.quit]`` must show exactly that, and clicking it must
not quit; escape sequences in notes and addresses must show as visible ``\\x1b`` text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from desk_pilot import run_desk, screen_text, wait_for

from workbench.domain.pii import mask_id_no
from workbench.store.apply import apply_page
from workbench.store.db import connect
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.widgets.fact_list import FactList
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.results_table import ResultsTable

HOSTILE_NAME = "[/]张[VIP]伟[@click=app.quit]"
PHONE = "13812345678"
HOSTILE_ID_NO = "[u]0101199003071[/u]"


@pytest.fixture
def hostile_cache(tmp_path: Path, feed) -> Path:
    """A cache holding one borrower whose every free-text field tries to be markup or ANSI."""
    path = tmp_path / "hostile.db"
    changes = [
        feed.borrower(
            "B1",
            name=HOSTILE_NAME,
            id_no=HOSTILE_ID_NO,
            employer="\x1b[31m红色\x1b[0m[b]公司[/b]",
            address={
                "province": "北京市",
                "city": "北京市",
                "district": "朝阳区",
                "line": "[link=https://example.invalid]路[/link]\x1b]0;pwned\x07",
            },
            flags=["vip"],
        ),
        feed.vehicle("V1"),
        feed.loan("L1", paid=20, contract_no="[red]HT[/red]\x1b[5m"),
        feed.interaction("I1", notes="[@click=app.quit]点我[/] \x1b[2J\x1b]52;c;cHduZWQ=\x07"),
        feed.interaction("I2", started_at="2026-10-01T02:00:00Z", notes="普通备注"),
    ]
    conn = connect(path)
    try:
        apply_page(conn, changes, "c1")
    finally:
        conn.close()
    return path


async def test_hostile_name_renders_literally_and_the_app_keeps_running(hostile_cache):
    async with run_desk(hostile_cache) as pilot:
        await pilot.press(*PHONE)
        table = pilot.app.screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the hostile borrower found")
        await pilot.pause()
        assert HOSTILE_NAME in screen_text(pilot)

        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, BorrowerScreen)
                and pilot.app.screen.query("#borrower-name")
            ),
            what="the unified view",
        )
        await pilot.click("#borrower-name")
        await pilot.pause()
        assert pilot.app.is_running
        assert pilot.app.return_code is None

        history = pilot.app.screen.query_one(HistoryView)
        await wait_for(pilot, lambda: history.item(1) is not None, what="the history page")
        await pilot.pause()
        text = screen_text(pilot)
        assert HOSTILE_NAME in text
        facts = pilot.app.screen.query(FactList)
        values = [value.plain for fact_list in facts for value in fact_list.values]
        address = "北京市 北京市 朝阳区 [link=https://example.invalid]路[/link]\\x1b]0;pwned\\x07"
        assert address in values
        assert "[link=https://example.invalid]" in text and "pwned\\x07" in text
        assert "\\x1b[31m红色\\x1b[0m[b]公司[/b]" in text
        assert mask_id_no(HOSTILE_ID_NO) in text  # "[u]*…*[/u]": masked, markup and all
        assert "[red]HT[/red]\\x1b[5m" in text  # the contract number on the loan card
        assert "[@click=app.quit]点我[/] \\x1b[2J" in text
        assert "\x1b" not in text and "\x07" not in text
