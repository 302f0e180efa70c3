"""The sync's call helpers: commands to requests, refusals to words, events to the desk."""

from __future__ import annotations

import orjson
import pytest

from workbench.domain.calls import CallCommand, CallEvent
from workbench.sync.calls import CallChannel, command_request, refusal_message

CALL = {
    "call_id": "K1-000001",
    "queue_id": "repayment",
    "number": "13812345678",
    "borrower_ids": ["B000001"],
    "direction": "in",
    "state": "offered",
    "arrived_at": "2026-11-27T02:00:00Z",
    "agent_id": "A001",
}


def test_commands_become_requests() -> None:
    assert command_request(CallCommand("answer", "K1")) == ("/v1/calls/K1/answer", None)
    assert command_request(CallCommand("state", state="break")) == (
        "/v1/agents/me/state",
        {"state": "break"},
    )
    for bad in (CallCommand("answer"), CallCommand("state"), CallCommand("transfer", "K1")):
        with pytest.raises(ValueError, match=" / "):
            command_request(bad)


def test_refusals_keep_the_cores_words() -> None:
    body = orjson.dumps({"error": "wrong_state", "message": "呼叫状态为 held / cannot answer"})
    assert refusal_message(CallCommand("answer", "K1"), 409, body).startswith("呼叫状态为 held")
    assert "(502)" in refusal_message(CallCommand("end", "K1"), 502, b"<html>")
    assert "refused hold (400)" in refusal_message(CallCommand("hold", "K1"), 400, b"")


def test_call_events_reach_the_desk_and_odd_ones_do_not() -> None:
    got: list[CallEvent] = []
    channel = CallChannel(got.append)
    channel.dispatch("call.offered", orjson.dumps(CALL).decode())
    channel.dispatch("agent.state", {"agent_id": "A001", "state": "on_call", "since": "x"})
    channel.dispatch("change", {"cursor": "5"})  # not a call event
    channel.dispatch("call.offered", "{not json")
    channel.dispatch("call.ended", {"call_id": "K1"})  # fields missing
    assert [e.type for e in got] == ["call.offered", "agent.state"]
    assert got[0].call.borrower_ids == ["B000001"] and got[1].agent.state == "on_call"


def test_a_failing_desk_callback_does_not_stop_the_sync() -> None:
    def broken(event: CallEvent) -> None:
        raise RuntimeError("desk closed")

    CallChannel(broken).dispatch("call.offered", CALL)  # logged, not raised
