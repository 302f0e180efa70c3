"""Pure callback helpers: working rules, rows, JSON and figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.domain.callback_figures import AbandonedCall, callback_figures
from workbench.domain.callback_work import (
    callback_from_json,
    callback_to_json,
    is_ready,
    live_claim,
    make_row,
    outcome_status,
    purpose_of,
    worklist_order,
)
from workbench.domain.compliance import GateDecision
from workbench.domain.models import Callback, CallbackStep

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def cb(id_: str = "CB-1", **kw) -> Callback:
    base = {
        "id": id_, "borrower_id": "B1", "number": "13812345678", "reason": "abandoned",
        "due_at": "2026-11-27T04:00:00Z", "priority": 3, "attempts": 0, "status": "open",
        "created_at": "2026-11-27T01:00:00Z", "queue_id": "repayment",
    }  # fmt: skip
    return Callback(**(base | kw))


def step(at: str, kind: str, **kw) -> CallbackStep:
    return CallbackStep(at=at, kind=kind, **kw)


def test_outcomes_purposes_and_claims() -> None:
    assert [outcome_status(o) for o in ("reached", "no_answer", "call_back_later")] == [
        "done",
        "open",
        "open",
    ]
    with pytest.raises(ValueError, match="unknown outcome"):
        outcome_status("maybe")
    assert purpose_of("broken_promise") == "collection" and purpose_of("follow_up") == "callback"
    held = cb(status="claimed", claimed_by="A1", claim_expires_at="2026-11-27T02:10:00Z")
    assert live_claim(held, NOW) == "A1"
    assert live_claim(held, NOW + timedelta(minutes=11)) is None


def test_readiness_waits_for_requested_times_and_retry_gaps() -> None:
    assert is_ready(cb(), NOW)
    assert not is_ready(cb(reason="requested", due_at="2026-11-27T03:00:00Z"), NOW)
    assert is_ready(cb(reason="requested", due_at="2026-11-27T02:10:00Z"), NOW)
    tried = cb(history=[step("2026-11-27T01:30:00Z", "dialed")])
    assert not is_ready(tried, NOW) and is_ready(tried, NOW + timedelta(minutes=31))


def test_rows_flag_due_and_overdue_and_sort_by_priority_then_due() -> None:
    gate = GateDecision.ok()
    rows = [
        make_row(
            c, borrower_name="张伟", number_masked="138****5678", gate=gate, agent_id="A1", now=NOW
        )
        for c in (
            cb("CB-3", priority=2, due_at="2026-11-27T05:00:00Z"),
            cb("CB-1", priority=2, due_at="2026-11-27T01:00:00Z"),
            cb("CB-2", priority=1, due_at="2026-11-27T02:20:00Z"),
        )
    ]
    ordered = worklist_order(rows)
    assert [r.id for r in ordered] == ["CB-2", "CB-1", "CB-3"]
    assert ordered[0].due_soon and ordered[1].overdue and not ordered[2].overdue


def test_callbacks_round_trip_through_json_and_ignore_new_keys() -> None:
    record = cb(history=[step("2026-11-27T01:00:00Z", "created", source="call:K1")])
    data = callback_to_json(record) | {"later_field": 1}
    data["history"][0]["later_field"] = 2
    assert callback_from_json(data) == record
    with pytest.raises(ValueError):
        callback_from_json({"id": "x"})


def test_figures_count_coverage_overdue_and_time_to_first_attempt() -> None:
    worked = cb("CB-1", status="done", attempts=1, last_outcome="reached", history=[
        step("2026-11-27T01:00:00Z", "created", source="call:K1"),
        step("2026-11-27T01:05:00Z", "merged", source="call:K2"),
        step("2026-11-27T01:10:00Z", "dialed"),
    ])  # fmt: skip
    late = cb("CB-2", queue_id="overdue", due_at="2026-11-27T01:30:00Z")
    calls = [
        AbandonedCall("call:K1", "repayment", datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "CB-1"),
        AbandonedCall("call:K2", "repayment", datetime(2026, 11, 27, 1, 5, tzinfo=UTC), "CB-1"),
        AbandonedCall("call:K3", "overdue", datetime(2026, 11, 27, 1, 20, tzinfo=UTC), None),
    ]
    figures = callback_figures([worked, late], NOW, calls)
    total = figures["*"]
    assert (total.abandoned_known, total.called_back) == (3, 2)
    assert total.coverage == pytest.approx(2 / 3)
    assert total.median_abandon_to_first_attempt_s == 450  # 10 and 5 minutes
    assert (total.open, total.overdue, total.reached) == (1, 1, 1)
    assert figures["overdue"].coverage == 0 and figures["repayment"].coverage == 1
    seen = callback_figures([worked], NOW)  # a cache: the calls its callbacks show
    assert seen["*"].abandoned_known == 2 and seen["*"].coverage == 1
