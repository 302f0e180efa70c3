"""The wallboard's part of the OpenAPI document (``wallboard_routes``), merged by ``openapi``."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def wallboard_paths(secured) -> dict[str, Any]:
    """``GET /v1/wallboard`` (``secured`` adds the 401 answer)."""
    return {
        "/v1/wallboard": {
            "get": secured(
                {
                    "summary": "The supervisor's wallboard: queues, agents, escalations, "
                    "callback backlog, alerts, trend (role supervisor only)",
                    "description": "Live updates follow as `queue.stats` events on /v1/events "
                    "and /v1/events/poll (changed rows, changed agents, active alerts, "
                    "escalations and the callback backlog and 回访 feedback when they changed, "
                    "a trend point every minute). The snapshot also carries the alert "
                    "thresholds in use (`thresholds`). See docs/protocol.md, Wallboard.",
                    "responses": {
                        "200": _json("the snapshot", {"type": "object"}),
                        "403": _json("supervisor_only: the token's role is not supervisor", _ERROR),
                    },
                }
            )
        }
    }
