"""The supervisor's escalation action of ``POST /v1/actions`` (called by ``effects``).

``escalation_update`` (payload ``escalation_id``, ``verb``, ``department``?, ``comment``?):

- ``acknowledge``: an open escalation becomes ``acknowledged``;
- ``reassign``: it moves to another ``department`` (status unchanged);
- ``comment``: a ``comment`` is added;
- ``resolve``: it becomes ``resolved`` (the callback desk then books its follow-up call).

Each appends one ``EscalationEvent`` (``at`` = the action's time, ``by`` = the supervisor,
``status`` = ``acknowledged`` / ``reassigned`` / ``commented`` / ``resolved``, ``comment``) to
the record's history; the escalation record changes in the feed under its own id. A resolved
escalation takes no further updates. Only a supervisor token may send it (``action_route``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from workbench.core.actions import Action, InvalidAction
from workbench.core.storage import Writer
from workbench.domain.models import EscalationEvent

ESCALATION_VERBS = ("acknowledge", "reassign", "comment", "resolve")
SUPERVISOR_ACTIONS = frozenset({"escalation_update"})
_MARK = {
    "acknowledge": "acknowledged",
    "reassign": "reassigned",
    "comment": "commented",
    "resolve": "resolved",
}


def apply_update(w: Writer, action: Action) -> tuple[str, str, int]:
    """Apply one supervisor update to an escalation; returns ``(entity, id, seq)``."""
    p = action.payload
    esc = w.get("escalation", p["escalation_id"])
    if esc is None:
        raise InvalidAction(f"unknown escalation {p['escalation_id']}")
    if esc["borrower_id"] != action.borrower_id:
        raise InvalidAction(f"escalation {esc['id']} is not borrower {action.borrower_id}'s")
    if esc["status"] == "resolved":
        raise InvalidAction(f"escalation {esc['id']} is already resolved")
    verb, comment = p["verb"], p.get("comment") or ""
    _check(verb, esc, p, comment)
    if verb == "acknowledge":
        esc["status"] = "acknowledged"
    elif verb == "reassign":
        comment = comment or f"{esc['department']} → {p['department']}"
        esc["department"] = p["department"]
    elif verb == "resolve":
        esc["status"] = "resolved"
    event = EscalationEvent(
        at=action.created_at, status=_MARK[verb], by=action.agent_id, comment=comment
    )
    esc["history"] = [*esc.get("history", []), asdict(event)]
    return "escalation", esc["id"], w.upsert("escalation", esc["id"], esc)


def _check(verb: str, esc: dict[str, Any], p: dict[str, Any], comment: str) -> None:
    if verb == "acknowledge" and esc["status"] != "open":
        raise InvalidAction(f"escalation {esc['id']} is {esc['status']}, not open")
    if verb == "reassign" and (not p.get("department") or p["department"] == esc["department"]):
        raise InvalidAction("reassign needs payload.department, another department than now")
    if verb == "comment" and not comment.strip():
        raise InvalidAction("comment needs a non-empty payload.comment")
