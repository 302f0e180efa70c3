"""The call wire objects and the agent-state rules."""

from __future__ import annotations

import pytest

from workbench.domain.calls import (
    AgentState,
    AgentStatus,
    CallInfo,
    agent_from_json,
    agent_to_json,
    call_from_json,
    call_to_json,
    can_request,
    can_switch,
)

CALL = {
    "call_id": "C1",
    "queue_id": "q_repay",
    "number": "13812345678",
    "borrower_ids": ["B1", "B2"],
    "direction": "in",
    "state": "offered",
    "arrived_at": "2026-11-27T02:00:00Z",
    "offered_at": "2026-11-27T02:00:05Z",
    "agent_id": "A1",
    "hold_s": 3,
}


def test_call_round_trips_through_json() -> None:
    call = call_from_json(CALL)
    assert call == CallInfo(**CALL)
    assert call_to_json(call) == {**CALL, "answered_at": None, "ended_at": None}


def test_call_from_json_ignores_fields_a_newer_core_adds() -> None:
    call = call_from_json({**CALL, "skill": "vip"})
    assert call.call_id == "C1"


def test_call_from_json_without_required_fields_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a call"):
        call_from_json({"call_id": "C1"})


def test_agent_round_trips_through_json() -> None:
    data = {"agent_id": "A1", "state": "on_call", "since": "2026-11-27T02:00:00Z", "call_id": "C1"}
    agent = agent_from_json(data)
    assert agent == AgentStatus("A1", "on_call", "2026-11-27T02:00:00Z", "C1")
    assert agent_to_json(agent) == data
    with pytest.raises(ValueError):
        agent_from_json({"state": "available"})


@pytest.mark.parametrize(
    ("current", "target", "acw_done", "allowed"),
    [
        ("offline", "available", False, True),
        ("available", "break", False, True),
        ("available", "on_call", False, True),
        ("on_call", "available", True, False),  # end the call first
        ("on_call", "after_call", False, True),
        ("after_call", "available", False, False),  # disposition missing
        ("after_call", "available", True, True),
        ("after_call", "break", False, False),
        ("after_call", "offline", True, True),
        ("break", "available", False, True),
        ("break", "on_call", False, False),
        ("available", "available", False, True),
    ],
)
def test_agent_state_transitions(current: str, target: str, acw_done: bool, allowed: bool) -> None:
    assert can_switch(current, target, acw_done=acw_done) is allowed


def test_agents_cannot_ask_for_call_driven_states() -> None:
    assert not can_request(AgentState.AVAILABLE, AgentState.ON_CALL, acw_done=True)
    assert not can_request(AgentState.ON_CALL, AgentState.AFTER_CALL, acw_done=True)
    assert can_request(AgentState.AFTER_CALL, AgentState.AVAILABLE, acw_done=True)
