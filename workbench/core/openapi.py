"""The OpenAPI document of protocol v1, served at ``/v1/openapi.json``.

Entity schemas are derived from the dataclasses of ``workbench.domain.models`` (the contract),
and action schemas from the table ``workbench.core.actions`` validates with, so the document
cannot drift from what the feed carries or what ``POST /v1/actions`` accepts.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from workbench.core.actions import ACTION_TYPES, ENVELOPE, PAYLOADS, Field
from workbench.core.openapi_callbacks import callback_paths, callback_schemas
from workbench.core.openapi_calls import call_paths, call_schemas
from workbench.core.openapi_security import security_paths
from workbench.core.openapi_wallboard import wallboard_paths
from workbench.domain import models
from workbench.domain.models import ENTITIES

_SCALARS = {"str": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"}}


def _type_schema(annotation: str) -> dict[str, Any]:
    """JSON Schema of a field annotation written as text (``str | None``, ``list[Phone]``)."""
    annotation = annotation.strip()
    if annotation.endswith("| None"):
        inner = _type_schema(annotation.removesuffix("| None"))
        return {"anyOf": [inner, {"type": "null"}]}
    if match := re.fullmatch(r"list\[(\w+)\]", annotation):
        return {"type": "array", "items": _type_schema(match.group(1))}
    if annotation == "dict":
        return {"type": "object"}
    if annotation in _SCALARS:
        return dict(_SCALARS[annotation])
    return {"$ref": f"#/components/schemas/{annotation}"}


def _dataclass_schema(cls: type) -> dict[str, Any]:
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "properties": {f.name: _type_schema(str(f.type)) for f in fields},
        "required": [f.name for f in fields],
        "additionalProperties": False,
    }


def _schemas() -> dict[str, Any]:
    nested = (models.Phone, models.Address, models.Installment, models.EscalationEvent)
    schemas = {cls.__name__: _dataclass_schema(cls) for cls in (*nested, *ENTITIES.values())}
    schemas["Change"] = {
        "type": "object",
        "required": ["seq", "entity", "op", "id", "data"],
        "properties": {
            "seq": {"type": "integer"},
            "entity": {"type": "string", "enum": list(ENTITIES)},
            "op": {"type": "string", "enum": ["upsert", "delete"]},
            "id": {"type": "string"},
            "data": {
                "description": "the whole record (its entity's schema) or null for a delete",
                "anyOf": [
                    *({"$ref": f"#/components/schemas/{c.__name__}"} for c in ENTITIES.values()),
                    {"type": "null"},
                ],
            },
        },
    }
    schemas["Page"] = {
        "type": "object",
        "required": ["changes", "cursor", "more"],
        "properties": {
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
            "cursor": _CURSOR,
            "more": {"type": "boolean"},
        },
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    schemas["Stats"] = {
        "type": "object",
        "required": ["entities", "cursor", "min_cursor", "store_id", "actions"],
        "properties": {
            "entities": counts,
            "cursor": _HEAD_CURSOR,
            "min_cursor": {"type": "string", "description": "compaction horizon (a seq)"},
            "generation": {
                "type": "integer",
                "description": "compactions that raised the horizon (cursors carry it)",
            },
            "store_id": {"type": "string"},
            "actions": {
                "type": "object",
                "required": ["applied", "by_type"],
                "properties": {"applied": {"type": "integer"}, "by_type": counts},
            },
        },
    }
    schemas["Health"] = {
        "type": "object",
        "required": ["status", "version", "protocol", "cursor", "store_id"],
        "properties": {
            "status": {"type": "string"},
            "version": {"type": "string"},
            "protocol": {"type": "integer"},
            "cursor": _HEAD_CURSOR,
            "store_id": {
                "type": "string",
                "description": "random id of the core's store; a new one means a new feed",
            },
        },
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    }
    schemas.update(_action_schemas())
    return schemas


def _field_schema(field: Field) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "text": {"type": "string", "minLength": field.low, "maxLength": field.high},
        "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"},
        "int": {"type": "integer", "minimum": field.low, "maximum": field.high},
        "date": {"type": "string", "format": "date"},
        "time": {"type": "string", "format": "date-time", "pattern": "Z$"},
        "enum": {"type": "string", "enum": list(field.choices)},
        "digits": {"type": "string", "pattern": "^[0-9]{5,20}$"},
        "object": {"type": "object"},
    }
    schema = dict(kinds[field.kind])
    if field.doc:
        schema["description"] = field.doc
    if not field.required:
        schema = {
            "anyOf": [schema, {"type": "null"}],
            **({"description": field.doc} if field.doc else {}),
        }
    return schema


def _object(spec: dict[str, Field]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _field_schema(f) for name, f in spec.items()},
        "required": [name for name, f in spec.items() if f.required],
        "additionalProperties": False,
    }


def _action_schemas() -> dict[str, Any]:
    """One schema per action type (envelope + its payload), their union, and the answer."""
    out: dict[str, Any] = {}
    for kind in ACTION_TYPES:
        body = _object(ENVELOPE)
        body["properties"]["type"] = {"const": kind}
        body["properties"]["payload"] = _object(PAYLOADS[kind])
        out[f"{_camel(kind)}Action"] = body
    out["Action"] = {
        "oneOf": [{"$ref": f"#/components/schemas/{_camel(k)}Action"} for k in ACTION_TYPES],
        "discriminator": {"propertyName": "type"},
    }
    out["ActionResult"] = {
        "type": "object",
        "required": ["action_id", "status", "entity", "id", "seq"],
        "properties": {
            "action_id": {"type": "string", "description": "the Idempotency-Key"},
            "status": {"const": "applied"},
            "entity": {"type": "string", "enum": [*ENTITIES, "audit"]},
            "id": {"type": "string"},
            "seq": {"type": "integer", "description": "feed seq of the record written"},
        },
    }
    return out


def _camel(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def _answer(description: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


_UNAUTHORIZED = {
    "description": "unauthorized: missing or unknown bearer token (only when the core has a "
    "token file); carries WWW-Authenticate: Bearer",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _secured(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["401"] = _UNAUTHORIZED
    return operation


_CURSOR = {
    "type": "string",
    "maxLength": 64,
    "description": "opaque: send it back as is. Today the seq of the last change, as "
    '"12345" before the first compaction and "g<generation>.<seq>" after it',
}
_HEAD_CURSOR = _CURSOR | {"description": "the head of the feed as a cursor (opaque)"}


def _changes() -> dict[str, Any]:
    params = [
        {
            "name": "cursor",
            "in": "query",
            "schema": {"type": "string", "maxLength": 64},
            "description": "the cursor of the last page applied, as it was given (opaque); "
            "absent or 0 for the start",
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "default": 500},
            "description": "changes per page; more than 5000 is served 5000 at a time",
        },
    ]
    return _secured(
        {
            "summary": "A page of the change feed",
            "parameters": params,
            "responses": {
                "200": _answer("a page of the change feed (header Workbench-Store-Id)", "Page"),
                "400": _answer("bad_cursor or bad_limit", "Error"),
                "410": _answer(
                    "cursor_gone (of an older compaction generation and below the horizon) "
                    "or cursor_unknown (not from this store's feed): sync again from the start",
                    "Error",
                ),
            },
        }
    )


def _actions() -> dict[str, Any]:
    key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
        "description": "a new UUID4 per action, the same on every retry of it",
    }
    replayed = {
        "Idempotent-Replayed": {
            "schema": {"type": "string", "const": "true"},
            "description": "present when the answer is the stored first response",
        }
    }
    first = _answer("applied now", "ActionResult")
    replay = _answer("applied earlier: the first response again", "ActionResult")
    replay["headers"] = replayed
    return _secured(
        {
            "summary": "Apply an agent action exactly once per Idempotency-Key",
            "parameters": [key],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Action"}}
                },
            },
            "responses": {
                "201": first,
                "200": replay,
                "400": _answer("missing_idempotency_key or bad_idempotency_key", "Error"),
                "403": _answer(
                    "forbidden: agent_id is not the token's agent; supervisor_only; "
                    "reveal_not_allowed: a reveal_audit from role agent",
                    "Error",
                ),
                "409": _answer("in_progress: the key is being applied; retry", "Error"),
                "422": _answer(
                    "invalid_action (do not retry as is) or idempotency_mismatch (the key was "
                    "used with another body)",
                    "Error",
                ),
            },
        }
    )


def _events() -> dict[str, Any]:
    stream = {
        "description": "server-sent events: `change` (data {cursor}) when the feed head moves, "
        "`heartbeat` (data {cursor}) every 15 s when idle, `reset` when Last-Event-ID is no "
        "longer known (pull, then follow); the call centre's `call.queued`, `call.offered`, "
        "`call.answered`, `call.held`, `call.resumed`, `call.ended`, `call.abandoned` (data "
        "CallInfo) and `agent.state` (data AgentStatus); every event has an increasing "
        "integer id",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
    last = {
        "name": "Last-Event-ID",
        "in": "header",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "the id of the last event received, to resume after it",
    }
    return _secured({"summary": "Live events", "parameters": [last], "responses": {"200": stream}})


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the endpoints this core serves."""
    public: list[dict[str, list[str]]] = []
    return {
        "openapi": "3.1.0",
        "info": {"title": "Workbench core, sync protocol v1", "version": version},
        "security": [{"bearer": []}],
        "paths": {
            "/v1/health": {
                "get": {"security": public, "responses": {"200": _answer("alive", "Health")}}
            },
            "/v1/changes": {"get": _changes()},
            "/v1/stats": {
                "get": _secured({"responses": {"200": _answer("counts per entity", "Stats")}})
            },
            "/v1/actions": {"post": _actions()},
            "/v1/events": {"get": _events()},
            **call_paths(_secured),
            **callback_paths(_secured),
            **wallboard_paths(_secured),
            **security_paths(_secured),
            "/v1/openapi.json": {
                "get": {
                    "security": public,
                    "responses": {
                        "200": {
                            "description": "this document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas() | call_schemas() | callback_schemas(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "required when the core runs with a token file; without "
                    "one every caller is agent A001 (role agent)",
                }
            },
        },
    }
