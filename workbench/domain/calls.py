"""Calls and agent states: the wire objects of the call-handling protocol and its state rules.

A call enters a queue (``queued``), is offered to one agent (``offered``), answered
(``active``), maybe put on hold (``held``) and resumed, and ends (``ended``); a caller who
gives up while waiting is ``abandoned``. An agent is ``offline``, ``available`` (takes offers),
``on_call``, in after-call work (``after_call``, ACW) or on ``break``.

Leaving after-call work needs the call's disposition when its queue requires one
(``Queue.disposition_required``); the desk checks it before asking and the core enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from workbench.domain.models import Callback


class AgentState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    ON_CALL = "on_call"
    AFTER_CALL = "after_call"  # after-call work (ACW)
    BREAK = "break"


class CallState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    HELD = "held"
    ENDED = "ended"
    ABANDONED = "abandoned"


CALL_EVENT_TYPES = (
    "call.offered",
    "call.answered",
    "call.held",
    "call.resumed",
    "call.ended",
    "call.abandoned",
)
"""Event types whose data is a ``CallInfo``."""

AGENT_EVENT_TYPE = "agent.state"
"""Event type whose data is an ``AgentStatus``."""

FINISHED_CALL_STATES = frozenset({CallState.ENDED, CallState.ABANDONED})
"""A call in one of these states never changes again."""

MANUAL_AGENT_STATES = frozenset({AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE})
"""States an agent may ask for; ``on_call`` and ``after_call`` follow from calls."""

_TRANSITIONS: dict[str, frozenset[str]] = {
    AgentState.OFFLINE: frozenset({AgentState.AVAILABLE, AgentState.BREAK}),
    AgentState.AVAILABLE: frozenset({AgentState.ON_CALL, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.ON_CALL: frozenset({AgentState.AFTER_CALL}),
    AgentState.AFTER_CALL: frozenset({AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.BREAK: frozenset({AgentState.AVAILABLE, AgentState.OFFLINE}),
}


@dataclass(slots=True, frozen=True)
class CallInfo:
    """One call as the core reports it: the data of every ``call.*`` event."""

    call_id: str
    queue_id: str
    number: str  # full number (the desk masks it on screen)
    borrower_ids: list[str]  # borrowers whose phones match (0, 1 or several)
    direction: str  # "in" | "out"
    state: str  # CallState
    arrived_at: str  # UTC ISO Z (entered the queue)
    offered_at: str | None = None
    answered_at: str | None = None
    ended_at: str | None = None
    agent_id: str | None = None
    hold_s: int = 0  # total seconds held so far
    callback_id: str | None = None  # an outbound call placed for this callback


@dataclass(slots=True, frozen=True)
class AgentStatus:
    """An agent's state: the data of ``agent.state`` events and of ``GET /v1/agents/me``."""

    agent_id: str
    state: str  # AgentState
    since: str  # UTC ISO Z
    call_id: str | None = None


@dataclass(slots=True, frozen=True)
class CallEvent:
    """What the sync hands the desk.

    ``type`` is one of ``CALL_EVENT_TYPES``, ``"agent.state"``, ``"error"`` (``message`` says
    why) or ``"snapshot"`` (after a (re)connect: ``agent`` and this agent's open ``calls``).
    """

    type: str
    call: CallInfo | None = None
    agent: AgentStatus | None = None
    message: str = ""
    calls: tuple[CallInfo, ...] = ()
    callback: Callback | None = None  # callback.claimed / released / updated
    code: str = ""  # error: the core's error code or the blocking compliance rule id
    until: str | None = None  # error of a compliance rule: allowed again from (UTC ISO Z)


@dataclass(slots=True, frozen=True)
class CallCommand:
    """What the desk asks the sync to do: ``answer | hold | resume | end | reject | state``."""

    verb: str
    call_id: str | None = None
    state: str | None = None  # for verb "state": the AgentState to switch to
    callback_id: str | None = None  # for claim, release and dial


CALL_VERBS = frozenset({"answer", "hold", "resume", "end", "reject"})
"""Command verbs that act on one call (``POST /v1/calls/{id}/{verb}``)."""

CALLBACK_VERBS = frozenset({"claim", "claim_next", "release", "dial"})
"""Command verbs on callbacks (``POST /v1/callbacks/{id}/{verb}``, ``/v1/callbacks/next/claim``)."""

CALLBACK_EVENT_TYPES = ("callback.claimed", "callback.released", "callback.updated")
"""Event types whose data is a ``Callback`` record."""


def _pick(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The keys of ``data`` that are fields of ``cls`` (newer cores may send more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def call_from_json(data: dict[str, Any]) -> CallInfo:
    """A ``CallInfo`` from its JSON object; unknown keys are ignored.

    >>> call_from_json({"call_id": "C1", "queue_id": "q", "number": "13800000000",
    ...     "borrower_ids": ["B1"], "direction": "in", "state": "queued",
    ...     "arrived_at": "2026-11-27T08:00:00Z"}).borrower_ids
    ['B1']
    """
    try:
        picked = _pick(CallInfo, data)
        picked["borrower_ids"] = list(picked.get("borrower_ids") or [])
        picked["hold_s"] = int(picked.get("hold_s") or 0)
        return CallInfo(**picked)
    except TypeError as exc:
        raise ValueError(f"not a call: {exc}") from exc


def agent_from_json(data: dict[str, Any]) -> AgentStatus:
    """An ``AgentStatus`` from its JSON object; unknown keys are ignored."""
    try:
        return AgentStatus(**_pick(AgentStatus, data))
    except TypeError as exc:
        raise ValueError(f"not an agent status: {exc}") from exc


def call_to_json(call: CallInfo) -> dict[str, Any]:
    """The JSON object of a call (the inverse of ``call_from_json``)."""
    out = {name: getattr(call, name) for name in _CALL_FIELDS}
    out["borrower_ids"] = list(call.borrower_ids)
    if out["callback_id"] is None:
        del out["callback_id"]  # inbound calls keep the JSON they always had
    return out


def agent_to_json(agent: AgentStatus) -> dict[str, Any]:
    """The JSON object of an agent status."""
    return {name: getattr(agent, name) for name in _AGENT_FIELDS}


_CALL_FIELDS = tuple(f.name for f in fields(CallInfo))
_AGENT_FIELDS = tuple(f.name for f in fields(AgentStatus))


def can_switch(current: str, target: str, *, acw_done: bool) -> bool:
    """Whether an agent in ``current`` may move to ``target``.

    ``acw_done`` says the after-call work is complete (the disposition is recorded, or the
    call's queue does not require one); leaving ``after_call`` needs it. Staying put is
    always allowed.

    >>> can_switch("after_call", "available", acw_done=False)
    False
    >>> can_switch("after_call", "available", acw_done=True)
    True
    """
    if current == target:
        return True
    allowed = _TRANSITIONS.get(current)
    if allowed is None or target not in allowed:
        return False
    if current == AgentState.AFTER_CALL:
        return acw_done
    return True


def can_request(current: str, target: str, *, acw_done: bool) -> bool:
    """Whether an agent may *ask* for ``target`` (``POST /v1/agents/me/state``)."""
    return target in MANUAL_AGENT_STATES and can_switch(current, target, acw_done=acw_done)
