"""The OpenAPI document of protocol v1, served at ``/v1/openapi.json``.

Entity schemas are derived from the dataclasses of ``workbench.domain.models`` (the contract),
so the document cannot drift from what the feed carries.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

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
            "cursor": {"type": "string"},
            "more": {"type": "boolean"},
        },
    }
    schemas["Stats"] = {
        "type": "object",
        "required": ["entities", "cursor"],
        "properties": {
            "entities": {"type": "object", "additionalProperties": {"type": "integer"}},
            "cursor": {"type": "string"},
        },
    }
    schemas["Health"] = {
        "type": "object",
        "required": ["status", "version", "protocol", "cursor"],
        "properties": {
            "status": {"type": "string"},
            "version": {"type": "string"},
            "protocol": {"type": "integer"},
            "cursor": {"type": "string"},
        },
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    }
    return schemas


def _answer(description: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the endpoints this core serves."""
    changes_params = [
        {
            "name": "cursor",
            "in": "query",
            "schema": {"type": "string", "pattern": "^[0-9]*$"},
            "description": "cursor of the last page applied; absent or 0 for the start",
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "default": 500},
            "description": "changes per page; more than 5000 is served 5000 at a time",
        },
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Workbench core, sync protocol v1", "version": version},
        "paths": {
            "/v1/health": {"get": {"responses": {"200": _answer("alive", "Health")}}},
            "/v1/changes": {
                "get": {
                    "parameters": changes_params,
                    "responses": {
                        "200": _answer("a page of the change feed", "Page"),
                        "400": _answer("bad_cursor or bad_limit", "Error"),
                        "410": _answer("cursor_unknown: resync from the start", "Error"),
                    },
                }
            },
            "/v1/stats": {"get": {"responses": {"200": _answer("counts per entity", "Stats")}}},
        },
        "components": {"schemas": _schemas()},
    }
