"""Picture of the supervisor view: a burst in one queue (red), escalations, backlog, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from desk_pilot import SIZE, wait_for
from manual_clock import ManualClock
from supervisor_pilot import StaticFeed

from workbench.core.acd_model import AcdConfig
from workbench.core.app import build_app
from workbench.core.portfolio import open_portfolio
from workbench.core.storage import CoreStore
from workbench.ui.screens.supervisor import SupervisorScreen

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def wallboard_body(tmp_path_factory) -> dict:
    """A core's snapshot on a fixed clock: 7 calls waiting 40 s in overdue, 1 in repayment."""
    path = tmp_path_factory.mktemp("supervisor-snap") / "core.db"
    open_portfolio(path, 30, 3, date(2026, 11, 27)).close()
    store = CoreStore.open(path)
    clock = ManualClock(T0)
    core = build_app(store, acd=AcdConfig(colleagues=0), acd_clock=clock)
    wall = core.state.wallboard
    wall.round(clock())
    acd = core.state.calls.build()
    for n in range(7):
        acd.inject(f"1391234{n:04d}", "overdue", clock())
    acd.inject("13912349999", "repayment", clock())
    clock.now = T0 + timedelta(seconds=40)
    body = wall.snapshot(clock())
    store.close()
    return body


def test_supervisor_view_with_a_burst(
    snap_compare, make_app, demo_cache, wallboard_body, monkeypatch
):
    monkeypatch.setattr(SupervisorScreen, "DURATION_TICK_S", 3600.0)
    app = make_app(demo_cache)
    app.role = "supervisor"
    app.wallboard_feed = lambda on_update: StaticFeed(wallboard_body, on_update)

    async def shown(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="the view")
        await wait_for(pilot, lambda: app.screen.state.queues, what="the figures")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=shown)


def test_drill_into_a_department_and_acknowledge_through_the_outbox(make_app, desk_cache):
    import asyncio

    from workbench.store.db import connect
    from workbench.store.queries import _load_many
    from workbench.ui.screens.escalations import EscalationScreen

    conn = connect(desk_cache)
    ids = {row[0] for row in conn.execute("SELECT id FROM escalation")}
    esc = next(e for e in _load_many(conn, "escalation", ids).values() if e["status"] == "open")
    conn.close()
    dept = esc["department"]
    item = esc | {"state": "overdue"}
    body = {
        "as_of": "2026-11-27T02:00:00Z",
        "queues": [],
        "total": {"queue_id": "*", "waiting": 0, "longest_wait_s": 0},
        "escalations": {dept: {"open": 1, "acknowledged": 0, "overdue": 1, "due_soon": 0,
                               "oldest_id": esc["id"], "oldest_s": 7200}},
        "escalation_list": [item],
    }  # fmt: skip
    app = make_app(desk_cache)
    app.role = "supervisor"
    app.wallboard_feed = lambda on_update: StaticFeed(body, on_update)

    async def go() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            await pilot.press("e", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, EscalationScreen), what="drill")
            drill = app.screen
            await pilot.press("ctrl+a")
            await wait_for(pilot, lambda: drill.sent, what="the update queued")
            await app.workers.wait_for_complete()

    asyncio.run(go())
    conn = connect(desk_cache)
    try:
        found = conn.execute("SELECT body FROM outbox WHERE type = 'escalation_update'").fetchall()
    finally:
        conn.close()
    assert len(found) == 1 and esc["id"] in str(found[0][0]) and "acknowledge" in str(found[0][0])


def test_backlog_pane_shows_follow_up_feedback_as_plain_text(make_app, demo_cache):
    """回访 scores and the latest comments in the backlog pane; a comment that looks like
    markup is shown as typed, never interpreted; a queue.stats update replaces them."""
    import asyncio

    from desk_pilot import screen_text

    feedback = {
        "scored": 3, "mean": 4.333, "scored_today": 1, "mean_today": 5.0,
        "latest": [{"callback_id": "CB-1", "borrower_id": "B000007", "at": "2026-11-27T01:00:00Z",
                    "score": 5, "comment": "[bold red]很满意[/] 138****5678"}],
    }  # fmt: skip
    body = {
        "as_of": "2026-11-27T02:00:00Z",
        "queues": [],
        "total": {"queue_id": "*", "waiting": 0, "longest_wait_s": 0},
        "callbacks": {"backlog": {}, "feedback": feedback, "figures": {}},
    }
    app = make_app(demo_cache)
    app.role = "supervisor"
    app.wallboard_feed = lambda on_update: StaticFeed(body, on_update)

    async def go() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            screen = app.screen
            await wait_for(pilot, lambda: "回访满意度" in screen_text(pilot), what="feedback")
            text = screen_text(pilot)
            assert "今日 5.0/5（1 条）" in text and "累计 4.3/5（3 条）" in text
            assert "B000007 5/5 “[bold red]很满意[/] 138****5678”" in text
            later = feedback | {"scored": 4, "latest": []}
            screen.take("stats", {"callbacks": {"backlog": {}, "feedback": later}})
            await pilot.pause()
            assert "累计 4.3/5（4 条）" in screen_text(pilot)
            assert "B000007" not in screen_text(pilot)

    asyncio.run(go())
