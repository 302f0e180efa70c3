"""The supervisor view against a real core: a burst turns a queue red, an escalation passing
its SLA raises an alert, an agent is refused (desk and core), and a picture of the view."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from desk_pilot import SIZE, make_test_app, screen_text, wait_for
from supervisor_pilot import feed_factory, wallboard_core

from workbench.ui.screens.supervisor import SupervisorScreen
from workbench.ui.wallboard_state import WallboardState


@pytest.fixture
def served(own_core):
    return wallboard_core(own_core)


def supervisor_desk(cache, served, token="tok-sup", role="supervisor"):
    app = make_test_app(cache)
    app.role = role
    app.wallboard_feed = feed_factory(served.url, token)
    return app


def row_colour(screen: SupervisorScreen, queue_id: str, column: str) -> str:
    from workbench.ui.screens.supervisor import QUEUE_COLUMNS

    cell = screen.query_one("#queues").cells(queue_id)[QUEUE_COLUMNS.index(column)]
    return str(cell.style)


def test_a_scripted_burst_turns_the_queue_red(demo_cache, served):
    app = supervisor_desk(demo_cache, served)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            screen = app.screen
            await wait_for(pilot, lambda: "overdue" in screen.state.queues, what="snapshot")
            assert screen.state.row_level(screen.state.queues["overdue"]) == "ok"
            acd = served.app.state.calls.build()
            for n in range(7):
                acd.inject(f"1391234{n:04d}", "overdue", datetime.now(UTC))
            await wait_for(
                pilot,
                lambda: screen.state.queues["overdue"]["waiting"] == 7,
                timeout=15,
                what="the burst in the queue pane",
            )
            error = app.get_css_variables()["error"]
            assert error.lower() in row_colour(screen, "overdue", "waiting").lower()
            assert screen.state.row_level(screen.state.queues["overdue"]) == "bad"
            await wait_for(pilot, lambda: screen.state.alerts, timeout=15, what="the alert")
            assert ("waiting", "overdue") in {
                (a["rule"], a["subject"]) for a in screen.state.alerts
            }
            assert "overdue" in screen_text(pilot) and "7" in screen_text(pilot)
            await app.workers.wait_for_complete()

    asyncio.run(go())


def test_an_escalation_passing_its_sla_raises_an_alert(demo_cache, served):
    app = supervisor_desk(demo_cache, served)
    store = served.store
    for eid in [e for _, e, _ in store.iter_records("escalation")]:
        esc = store.get("escalation", eid)
        store.upsert("escalation", eid, esc | {"status": "resolved"})
    stamp = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            screen = app.screen
            await wait_for(pilot, lambda: screen.state.queues, what="snapshot")
            now = datetime.now(UTC)
            store.upsert("escalation", "E-T1", {
                "id": "E-T1", "borrower_id": "B000001", "loan_id": None, "department": "legal",
                "reason": "律师函", "priority": "urgent", "status": "open",
                "created_at": stamp(now - timedelta(hours=4)),
                "sla_due_at": stamp(now + timedelta(seconds=5)),
                "agent_id": "A001", "snapshot": {}, "history": [],
            })  # fmt: skip
            rules = lambda: {(a["rule"], a["subject"]) for a in screen.state.alerts}  # noqa: E731
            await wait_for(pilot, lambda: ("escalation_due", "E-T1") in rules(), timeout=10,
                           what="about to breach")  # fmt: skip
            await wait_for(pilot, lambda: ("escalation_overdue", "E-T1") in rules(), timeout=10,
                           what="breached")  # fmt: skip
            assert screen.state.escalations["legal"]["overdue"] == 1
            assert "E-T1" in screen_text(pilot)  # the alert line names it

    asyncio.run(go())


def test_an_agent_is_refused_by_the_desk_and_by_the_core(demo_cache, served):
    agent_desk = make_test_app(demo_cache)

    async def desk_refuses():
        async with agent_desk.run_test(size=SIZE) as pilot:
            await pilot.press("f10")
            await wait_for(pilot, lambda: agent_desk._notifications, what="the refusal")
            assert not isinstance(agent_desk.screen, SupervisorScreen)
            assert any("主管" in n.message for n in agent_desk._notifications)

    asyncio.run(desk_refuses())
    # a desk set to supervisor whose token is an agent's: the core says no, the view says why
    app = supervisor_desk(demo_cache, served, token="tok-a1")

    async def core_refuses():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            screen = app.screen
            await wait_for(pilot, lambda: screen.refused, timeout=10, what="the refusal")
            assert "supervisor" in screen.refused
            assert "无权查看队列看板" in screen_text(pilot)

    asyncio.run(core_refuses())


def test_help_on_the_supervisor_view_shows_the_formulas(demo_cache, served):
    app = supervisor_desk(demo_cache, served)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SupervisorScreen), what="view")
            await pilot.press("f1")
            await wait_for(pilot, lambda: "服务水平 =" in screen_text(pilot), what="formulas")

    asyncio.run(go())


def test_level_of_a_queue_without_calls_is_not_judged():
    state = WallboardState()
    row = {"queue_id": "q", "waiting": 0, "service_level": None, "target_pct": 80,
           "abandon_rate": None, "longest_wait_s": 0, "threshold_s": 20}  # fmt: skip
    assert state.level(row, "service_level") is None and state.row_level(row) == "ok"
