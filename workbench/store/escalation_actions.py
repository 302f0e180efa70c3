"""The supervisor's escalation updates as outbox actions (``escalation_update``).

Acknowledge, reassign (to another department), comment on or resolve an escalation: checked
against the cache (``ValidationError`` with a bilingual message), then the ``POST /v1/actions``
body goes to the outbox; the sync delivers it once. There is no provisional record: the
escalation's new status and history arrive through the feed (the core decides, e.g. that a
resolved escalation takes no more updates).

Example::

    update_escalation(conn, "E-1", "acknowledge", agent_id="S001")
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.domain.models import Department
from workbench.store import action_rules as rules
from workbench.store import queries
from workbench.store.action_rules import ValidationError
from workbench.store.actions import Action, take

VERBS = ("acknowledge", "reassign", "comment", "resolve")
__all__ = ["VERBS", "Action", "ValidationError", "update_escalation"]


def update_escalation(
    conn,
    escalation_id: str,
    verb: str,
    *,
    agent_id: str,
    department: str | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Action:
    """Queue one supervisor update of ``escalation_id`` (see the module doc)."""
    found = queries._load_many(conn, "escalation", {str(escalation_id)})
    if not found:
        raise rules.unknown("escalation_id", str(escalation_id), "升级工单", "escalation")
    esc = found[str(escalation_id)]
    rules.one_of("verb", verb, VERBS, what="操作")
    if esc.get("status") == "resolved":
        raise ValidationError(
            "escalation_id", "escalation.resolved", "该升级已解决 / this escalation is resolved"
        )
    payload: dict[str, Any] = {"escalation_id": escalation_id, "verb": verb}
    if verb == "reassign":
        rules.one_of("department", department, tuple(d.value for d in Department), what="部门")
        if department == esc.get("department"):
            raise ValidationError(
                "department", "department.same", "已在该部门 / it is already with that department"
            )
        payload["department"] = department
    if comment or verb == "comment":
        rules.text("comment", comment, limit=500, what_zh="备注", what_en="comment", multiline=True)
        payload["comment"] = comment
    return take(conn, "escalation_update", esc["borrower_id"], payload, agent_id, now)
