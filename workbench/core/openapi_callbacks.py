"""The callback endpoints' part of the OpenAPI document (``callback_routes``)."""

from __future__ import annotations

from typing import Any

from workbench.domain.calls import CALLBACK_VERBS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = _ref("Error")
_SKIPPED = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["callback_id", "rule", "until"],
        "properties": {
            "callback_id": {"type": "string"},
            "rule": {"type": "string", "description": "the compliance rule id that blocks it"},
            "until": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    },
}


def callback_schemas() -> dict[str, Any]:
    """``CallbackClaim`` (answer of next/claim) and ``CallbackFigures``."""
    figures = {"type": "object", "additionalProperties": True}
    return {
        "CallbackClaim": {
            "type": "object",
            "required": ["callback", "skipped"],
            "properties": {"callback": _ref("Callback"), "skipped": _SKIPPED},
        },
        "CallbackFigures": {
            "type": "object",
            "required": ["as_of", "queues", "total"],
            "properties": {
                "as_of": {"type": "string"},
                "queues": {"type": "object", "additionalProperties": figures},
                "total": figures,
            },
        },
    }


def callback_paths(secured) -> dict[str, Any]:
    """The paths of the callback desk (``secured`` adds the 401 answer)."""
    verbs = sorted(CALLBACK_VERBS - {"claim_next"})
    params = [
        {"name": "callback_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {
            "name": "verb",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": verbs},
        },
    ]
    return {
        "/v1/callbacks/figures": {
            "get": secured(
                {
                    "summary": "Callback coverage, open, overdue, abandonment to first attempt",
                    "responses": {"200": _json("per queue and total", _ref("CallbackFigures"))},
                }
            )
        },
        "/v1/callbacks/next/claim": {
            "post": secured(
                {
                    "summary": "Claim the top callback of the caller's queues the gate allows now",
                    "responses": {
                        "200": _json(
                            "the claimed callback and the ones skipped", _ref("CallbackClaim")
                        ),
                        "404": _json("none_due (with skipped)", _ERROR),
                    },
                }
            )
        },
        "/v1/callbacks/{callback_id}/{verb}": {
            "post": secured(
                {
                    "summary": "Claim, release or dial a callback (dial: an outbound ACD call)",
                    "parameters": params,
                    "responses": {
                        "200": _json(
                            "claim/release: the Callback; dial: the outbound CallInfo",
                            {"oneOf": [_ref("Callback"), _ref("CallInfo")]},
                        ),
                        "404": _json("unknown_callback", _ERROR),
                        "409": _json(
                            "claimed (another agent), not_claimed, closed, busy, or the compliance "
                            "rule id that blocks the dial (with `until`)",
                            _ERROR,
                        ),
                    },
                }
            )
        },
    }
