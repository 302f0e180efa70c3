"""The call centre's part of the OpenAPI document (``call_routes``), merged by ``openapi``.

``CallInfo`` and ``AgentStatus`` are derived from ``workbench.domain.calls``, the wire contract.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from workbench.domain.calls import AgentState, AgentStatus, CallInfo


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _field(annotation: str) -> dict[str, Any]:
    scalar = {"str": "string", "int": "integer"}
    text = annotation.replace(" ", "")
    if text.endswith("|None"):
        return {"anyOf": [_field(text.removesuffix("|None")), {"type": "null"}]}
    if text == "list[str]":
        return {"type": "array", "items": {"type": "string"}}
    return {"type": scalar[text]}


def _schema(cls: type) -> dict[str, Any]:
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "properties": {f.name: _field(str(f.type)) for f in fields},
        "required": [f.name for f in fields],
    }


def call_schemas() -> dict[str, Any]:
    """``CallInfo``, ``AgentStatus``, ``AgentMe`` and ``EventPage``."""
    return {
        "CallInfo": _schema(CallInfo),
        "AgentStatus": _schema(AgentStatus),
        "AgentMe": {
            "type": "object",
            "required": ["agent", "calls"],
            "properties": {
                "agent": _ref("AgentStatus"),
                "calls": {"type": "array", "items": _ref("CallInfo")},
            },
        },
        "EventPage": {
            "type": "object",
            "required": ["events", "last_id"],
            "properties": {
                "events": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "event", "data"],
                        "properties": {
                            "id": {"type": "string"},
                            "event": {"type": "string"},
                            "data": {"type": "object"},
                        },
                    },
                },
                "last_id": {"type": "string", "description": "send it back as `after`"},
            },
        },
    }


_ERROR = _ref("Error")


def _call_command() -> dict[str, Any]:
    params = [
        {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {
            "name": "verb",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": ["answer", "hold", "resume", "end", "reject"]},
        },
    ]
    return {
        "summary": "Answer, hold, resume, end or reject a call offered to or held by the caller",
        "parameters": params,
        "responses": {
            "200": _json("the call after the command", _ref("CallInfo")),
            "403": _json("not_your_call: the call is another agent's", _ERROR),
            "404": _json("unknown_call, or no such command", _ERROR),
            "409": _json("wrong_state: e.g. hold on a call not yet answered", _ERROR),
        },
    }


def call_paths(secured) -> dict[str, Any]:
    """The paths of the call centre (``secured`` adds the 401 answer)."""
    states = [s.value for s in (AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE)]
    poll_params = [
        {
            "name": "after",
            "in": "query",
            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
            "description": "the last event id seen; absent: answer at once with the newest id",
        },
        {
            "name": "wait",
            "in": "query",
            "schema": {"type": "number", "minimum": 0, "maximum": 25, "default": 0},
            "description": "seconds to wait for an event when there is none yet",
        },
    ]
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["state"],
                    "properties": {"state": {"type": "string", "enum": states}},
                }
            }
        },
    }
    return {
        "/v1/events/poll": {
            "get": secured(
                {
                    "summary": "The events of /v1/events as JSON, for clients that cannot stream",
                    "parameters": poll_params,
                    "responses": {
                        "200": _json(
                            "events after `after` (or none after `wait`)", _ref("EventPage")
                        ),
                        "400": _json("bad_after or bad_wait", _ERROR),
                    },
                }
            )
        },
        "/v1/agents/me": {
            "get": secured(
                {
                    "summary": "The caller's agent state and open calls (resync after reconnect)",
                    "responses": {
                        "200": _json("state and calls", _ref("AgentMe")),
                        "404": _json("unknown_agent", _ERROR),
                    },
                }
            )
        },
        "/v1/agents/me/state": {
            "post": secured(
                {
                    "summary": "Switch the caller's agent state",
                    "requestBody": body,
                    "responses": {
                        "200": _json("the new state", _ref("AgentStatus")),
                        "409": _json(
                            "acw_disposition_required (record the call's disposition with "
                            "its call_id first) or wrong_state (e.g. on a call)",
                            _ERROR,
                        ),
                        "422": _json("invalid_state", _ERROR),
                    },
                }
            )
        },
        "/v1/calls/{call_id}/{verb}": {"post": secured(_call_command())},
    }
