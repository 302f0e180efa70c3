"""The desk's own record of PII reveals: each reveal is a ``reveal_audit`` action in the outbox,
which keeps every action for good (confirmed ones too), so the outbox *is* the local audit log.
No table of its own is needed; this module reads it.

Example::

    for r in local_reveals(conn):
        print(r["created_at"], r["agent_id"], r["field"], r["reason"], r["status"])
"""

from __future__ import annotations

from typing import Any

import orjson

TYPE = "reveal_audit"


def local_reveals(conn, *, limit: int = 200) -> list[dict[str, Any]]:
    """This cache's reveals, newest first: who, which field of which record, why, when, and
    whether the core has confirmed the audit (``status`` of the outbox entry)."""
    rows = conn.execute(
        "SELECT body, status, confirmed_at FROM outbox WHERE type = ? ORDER BY n DESC LIMIT ?",
        (TYPE, limit),
    ).fetchall()
    found = []
    for body, status, confirmed_at in rows:
        action = orjson.loads(body)
        payload = action.get("payload", {})
        found.append(
            {
                "id": action.get("id"),
                "agent_id": action.get("agent_id"),
                "borrower_id": action.get("borrower_id"),
                "field": payload.get("field"),
                "target_id": payload.get("target_id"),
                "reason": payload.get("reason"),
                "created_at": action.get("created_at"),
                "status": status,
                "confirmed_at": confirmed_at,
            }
        )
    return found
