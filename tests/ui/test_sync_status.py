"""The status line: always there, says whether the desk is live, how fresh the cache is and
what is still on its way to the core — in either language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from desk_pilot import run_desk, status_line, wait_for, wait_for_view

from workbench.sync.status import SyncState, SyncStatus
from workbench.ui import i18n
from workbench.ui.widgets.sync_bar import age_text

TWO_LOANS = "B000295"


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    i18n.set_language("zh")


def ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (None, "尚未同步", "not synced yet"),
        (3, "刚刚", "just now"),
        (59, "刚刚", "just now"),
        (125, "2 分钟前", "2 min ago"),
        (3 * 3600 + 5, "3 小时前", "3 h ago"),
        (2 * 86400 + 1, "2 天前", "2 d ago"),
    ],
)
def test_the_age_of_the_last_sync_in_words(seconds, zh, en):
    i18n.set_language("zh")
    assert age_text(seconds) == zh
    i18n.set_language("en")
    assert age_text(seconds) == en


async def test_without_a_sync_the_line_says_so_on_the_desk_and_the_borrower_view(demo_cache):
    async with run_desk(demo_cache) as pilot:
        assert status_line(pilot) == "○ 未连接 · 离线缓存"
        pilot.app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        assert status_line(pilot) == "○ 未连接 · 离线缓存"


def states() -> list[tuple[SyncStatus, list[str]]]:
    """Statuses (aged from now) and what the line shows for each."""
    return [
        (SyncStatus(SyncState.STARTING), ["◌ 正在连接…", "待确认 0"]),
        (SyncStatus(SyncState.LIVE, ago(5), pending=2), ["● 在线", "同步于 刚刚", "待确认 2"]),
        (SyncStatus(SyncState.RECONNECTING, ago(130)), ["◐ 正在重连", "同步于 2 分钟前"]),
        (SyncStatus(SyncState.OFFLINE, ago(7200), parked=1), ["○ 离线", "2 小时前", "需处理 1"]),
        (SyncStatus(SyncState.UNAUTHORIZED, ago(30)), ["✕ 令牌被拒绝"]),
    ]


async def test_each_state_of_the_sync_reads_plainly(demo_cache):
    async with run_desk(demo_cache) as pilot:
        for status, shown in states():
            pilot.app.report_sync_status(status)
            await wait_for(pilot, lambda s=shown: s[0] in status_line(pilot), what=shown[0])
            line = status_line(pilot)
            assert all(part in line for part in shown), line
            assert ("需处理" in line) == bool(status.parked), line


async def test_parked_actions_are_highlighted_and_the_problem_is_in_the_tooltip(demo_cache):
    status = SyncStatus(
        SyncState.LIVE, ago(1), parked=2, message="refused: 13812345678 is not callable"
    )
    async with run_desk(demo_cache, lang="en") as pilot:
        pilot.app.report_sync_status(status)
        bar = pilot.app.screen.query_one("#sync-bar")
        await wait_for(pilot, lambda: bar.has_class("-parked"))
        assert "2 need attention" in status_line(pilot)
        assert "Live" in status_line(pilot)
        assert str(bar.tooltip) == "refused: *******5678 is not callable"


async def test_a_sync_that_cannot_start_is_reported_and_the_desk_goes_on(demo_cache):
    from desk_pilot import search

    from workbench.cli.desk import DeferredSync

    def build():
        raise RuntimeError("the core's address is not valid")

    async with run_desk(demo_cache, sync=lambda on_status: DeferredSync(build)) as pilot:
        await wait_for(pilot, lambda: "■ 同步已停止" in status_line(pilot), what="stopped")
        bar = pilot.app.screen.query_one("#sync-bar")
        assert str(bar.tooltip) == "the core's address is not valid"
        assert await search(pilot, "张伟")
        assert pilot.app.is_running
