"""The identity and audit part of the OpenAPI document (``security_routes``)."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ME = {
    "type": "object",
    "required": ["agent_id", "role", "may_reveal"],
    "properties": {
        "agent_id": {"type": "string"},
        "role": {"type": "string", "enum": ["agent", "supervisor", "auditor"]},
        "may_reveal": {"type": "boolean"},
    },
}
_REVEAL = {
    "type": "object",
    "properties": {
        name: {"type": "string"}
        for name in (
            "id", "agent_id", "borrower_id", "field", "target_id", "reason", "created_at",
            "recorded_at",
        )
    },
}  # fmt: skip


def security_paths(secured) -> dict[str, Any]:
    """``GET /v1/me`` and ``GET /v1/audit/reveals`` (``secured`` adds the 401 answer)."""
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}
    filters = [
        {"name": name, "in": "query", "schema": {"type": "string"}}
        for name in ("agent_id", "borrower_id")
    ]
    return {
        "/v1/me": {
            "get": secured(
                {
                    "summary": "Who the token is: agent id and role (the desk shows it and "
                    "offers what the role may; the core decides again on every request)",
                    "responses": {"200": _json("the caller", _ME)},
                }
            )
        },
        "/v1/audit/reveals": {
            "get": secured(
                {
                    "summary": "PII reveals (reveal_audit actions), newest first (role "
                    "auditor only)",
                    "parameters": [limit, *filters],
                    "responses": {
                        "200": _json(
                            "the reveals",
                            {
                                "type": "object",
                                "properties": {
                                    "reveals": {"type": "array", "items": _REVEAL},
                                    "count": {"type": "integer"},
                                },
                            },
                        ),
                        "400": _json("bad_limit", _ERROR),
                        "403": _json("auditor_only: the token's role is not auditor", _ERROR),
                    },
                }
            )
        },
    }
