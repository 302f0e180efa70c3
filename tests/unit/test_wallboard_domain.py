"""The live board, the tally, escalation and backlog figures, and alerts (pure domain)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from workbench.domain.alerts import AlertBook, AlertRules, Thresholds, evaluate
from workbench.domain.metrics import TOTAL, CallRecord, QueueConfig, Tally, queue_figures
from workbench.domain.supervision import callback_backlog, escalations_by_department
from workbench.domain.wallboard import Board, iso_z

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return iso_z(T0 + timedelta(seconds=seconds))


def call(cid, state, *, queue="q1", arrived=0, answered=None, ended=None, agent=None, known=True):
    return {
        "call_id": cid,
        "queue_id": queue,
        "number": "13812345678",
        "borrower_ids": ["B000001"] if known else [],
        "direction": "in",
        "state": state,
        "arrived_at": at(arrived),
        "answered_at": at(answered) if answered is not None else None,
        "ended_at": at(ended) if ended is not None else None,
        "agent_id": agent,
        "hold_s": 0,
    }


def agent(aid, state, since, call_id=None):
    return {"agent_id": aid, "state": state, "since": at(since), "call_id": call_id}


def test_tally_matches_queue_figures_on_random_logs():
    rng = random.Random(5)
    config = QueueConfig(threshold_s=20, short_abandon_s=5, target_pct=80)
    calls = []
    for _ in range(300):
        wait = rng.uniform(0, 60)
        kind = rng.random()
        if kind < 0.6:
            end = T0 + timedelta(seconds=wait + 100) if rng.random() < 0.8 else None
            calls.append(
                CallRecord(
                    "q1",
                    T0,
                    answered_at=T0 + timedelta(seconds=wait),
                    ended_at=end,
                    wait_s=wait,
                    talk_s=90,
                    hold_s=10,
                    acw_s=rng.uniform(0, 30),
                )
            )
        elif kind < 0.9:
            calls.append(
                CallRecord(
                    "q1",
                    T0,
                    abandoned_at=T0 + timedelta(seconds=wait),
                    wait_s=wait,
                    known_number=rng.random() < 0.5,
                )
            )
        else:
            calls.append(CallRecord("q1", T0))
    tally = Tally()
    for c in calls + calls[:50]:
        tally.add(c, config)
    for c in calls[:50]:
        tally.remove(c, config)
    want = queue_figures("q1", calls, config, target_pct=80)
    got = tally.figures("q1", target_pct=80)
    for name in ("offered", "answered", "abandoned", "short_abandoned", "waiting", "handled"):
        assert getattr(got, name) == getattr(want, name), name
    for name in ("service_level", "asa_s", "abandon_rate", "aht_s", "callback_coverage"):
        assert abs(getattr(got, name) - getattr(want, name)) < 1e-9, name


def test_empty_tally_has_no_rates():
    f = Tally().figures("q1")
    assert (f.service_level, f.asa_s, f.abandon_rate, f.aht_s) == (None, None, None, None)


def test_only_short_abandons_leave_service_level_unknown():
    config = QueueConfig(short_abandon_s=5)
    calls = [CallRecord("q1", T0, abandoned_at=T0 + timedelta(seconds=3), wait_s=3)] * 3
    f = queue_figures("q1", calls, config)
    assert f.service_level is None and f.abandon_rate == 1.0 and f.short_abandoned == 3


def board() -> Board:
    configs = {"q1": QueueConfig(20, 5, 80), "q2": QueueConfig(30, 5, 90)}
    return Board(configs, {"A1": ("q1",), "A2": ("q1", "q2")})


def test_board_follows_a_call_from_queue_to_after_call_work():
    b = board()
    b.apply("agent.state", agent("A1", "available", 0))
    b.apply("call.queued", call("K1", "queued"))
    row = b.row("q1", T0 + timedelta(seconds=15))
    assert (row.waiting, round(row.longest_wait_s), row.available) == (1, 15, 1)
    b.apply("call.answered", call("K1", "active", answered=10, agent="A1"))
    b.apply("agent.state", agent("A1", "on_call", 10, "K1"))
    b.apply("call.ended", call("K1", "ended", answered=10, ended=110, agent="A1"))
    b.apply("agent.state", agent("A1", "after_call", 110, "K1"))
    row = b.row("q1", T0 + timedelta(seconds=120))
    assert (row.waiting, row.on_call, row.after_call, row.figures.answered) == (0, 0, 1, 1)
    assert row.figures.service_level == 1.0 and row.figures.asa_s == 10
    assert row.figures.aht_s == 100
    b.apply("agent.state", agent("A1", "available", 140))
    row = b.row("q1", T0 + timedelta(seconds=150))
    assert row.figures.aht_s == 130 and row.available == 1  # after-call work counted


def test_board_total_and_changed_rows():
    b = board()
    b.apply("call.queued", call("K1", "queued", queue="q2"))
    b.apply("call.abandoned", call("K1", "abandoned", queue="q2", ended=40))
    b.apply("call.queued", call("K2", "queued", queue="q1"))
    first = b.changed(T0 + timedelta(seconds=50))
    assert {r["queue_id"] for r in first} == {"q1", "q2", TOTAL}
    total = b.row(TOTAL, T0 + timedelta(seconds=50))
    assert (total.figures.offered, total.figures.abandoned, total.waiting) == (2, 1, 1)
    later = b.changed(T0 + timedelta(seconds=51))  # only the waiting queue's longest wait moved
    assert {r["queue_id"] for r in later} == {"q1", TOTAL}
    assert b.changed(T0 + timedelta(seconds=51)) == []


def test_agent_rows_mask_the_caller():
    b = board()
    b.apply("call.answered", call("K1", "active", answered=5, agent="A2"))
    b.apply("agent.state", agent("A2", "on_call", 5, "K1"))
    rows = {r["agent_id"]: r for r in b.agent_rows(T0 + timedelta(seconds=65))}
    assert rows["A2"]["number"] == "138****5678" and rows["A2"]["call_s"] == 60
    assert "13812345678" not in str(rows)


def esc(eid, dept, due_in, status="open", created=-3600):
    return {
        "id": eid,
        "department": dept,
        "status": status,
        "borrower_id": "B1",
        "created_at": at(created),
        "sla_due_at": at(due_in),
        "priority": "high",
    }


def test_escalations_by_department_and_alerts():
    now = T0
    escs = [
        esc("E1", "legal", -60),
        esc("E2", "legal", 600, "acknowledged"),
        esc("E3", "risk", 7200),
        esc("E4", "risk", -5, "resolved"),
    ]
    by = escalations_by_department(escs, now)
    assert by["legal"] == {
        "open": 2,
        "acknowledged": 1,
        "overdue": 1,
        "due_soon": 1,
        "oldest_id": "E1",
        "oldest_s": 3600,
    }
    assert by["risk"]["open"] == 1 and by["risk"]["overdue"] == 0
    alerts = evaluate([], escs, now)
    assert {(a.rule, a.subject) for a in alerts} == {
        ("escalation_overdue", "E1"),
        ("escalation_due", "E2"),
    }


def test_queue_alerts_raise_and_clear_themselves():
    rules = AlertRules(queues={"q1": Thresholds(waiting_max=2, sl_min_calls=2)})
    row = {
        "queue_id": "q1",
        "waiting": 3,
        "answered": 2,
        "abandoned": 2,
        "short_abandoned": 0,
        "service_level": 0.5,
        "target_pct": 80,
    }
    book = AlertBook()
    raised, cleared = book.update(evaluate([row], [], T0, rules), "t1")
    assert {a.rule for a in raised} == {"waiting", "service_level"} and not cleared
    raised, cleared = book.update(evaluate([row | {"waiting": 1}], [], T0, rules), "t2")
    assert not raised and [a.rule for a in cleared] == ["waiting"]
    assert book.current()[0].since == "t1"


def test_callback_backlog_by_reason_and_age():
    now = T0
    cbs = [
        {"reason": "abandoned", "status": "open", "due_at": at(-10), "created_at": at(-600)},
        {"reason": "abandoned", "status": "claimed", "due_at": at(60), "created_at": at(-7200)},
        {"reason": "requested", "status": "open", "due_at": at(60), "created_at": at(-90000)},
        {"reason": "requested", "status": "done", "due_at": at(60), "created_at": at(-60)},
    ]
    got = callback_backlog(cbs, now)
    assert got["abandoned"] == {
        "open": 2,
        "overdue": 1,
        "lt_1h": 1,
        "1_4h": 1,
        "4_24h": 0,
        "ge_24h": 0,
    }
    assert got["requested"]["ge_24h"] == 1 and got["requested"]["open"] == 1
