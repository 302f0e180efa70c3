"""Provisional records: what the core will make of an action, shown until its version arrives.

Each builder takes the body of ``POST /v1/actions`` (``store.actions``) and returns a record of
the entity the action creates, with the same id, following ``domain.models`` exactly (the feed
validator checks it like any record). Fields only the core can know are estimated: an
escalation's SLA from its priority, its snapshot from the cached loan. When the core's record
with that id comes through the feed it replaces this one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from workbench.store.action_rules import iso

Body = dict[str, Any]


def _interaction(body: Body, channel: str, *, duration=0, disposition="", notes="", queue_id=None):
    p = body["payload"]
    return {
        "id": body["id"],
        "borrower_id": body["borrower_id"],
        "channel": channel,
        "agent_id": body["agent_id"],
        "started_at": body["created_at"],
        "duration_s": duration,
        "disposition": disposition,
        "notes": notes,
        "outcome": "",
        "loan_id": p.get("loan_id"),
        "queue_id": queue_id,
    }


def note(body: Body) -> dict[str, Any]:
    """A note: an interaction of channel ``note``."""
    return _interaction(body, "note", notes=body["payload"]["text"])


def call(body: Body) -> dict[str, Any]:
    """A call's disposition: an interaction of channel ``call_in``/``call_out``."""
    p = body["payload"]
    return _interaction(
        body,
        p["channel"],
        duration=p["duration_s"],
        disposition=p["code"],
        notes=p.get("notes", ""),
        queue_id=p.get("queue_id"),
    )


def message(body: Body) -> dict[str, Any]:
    """An SMS or e-mail: an interaction of that channel."""
    p = body["payload"]
    return _interaction(body, p["channel"], disposition=p["template"], notes=p["body"])


def promise(body: Body) -> dict[str, Any]:
    """A promise to pay, pending."""
    p = body["payload"]
    return {
        "id": body["id"],
        "borrower_id": body["borrower_id"],
        "loan_id": p["loan_id"],
        "amount": p["amount"],
        "promised_date": p["promised_date"],
        "status": "pending",
        "created_at": body["created_at"],
        "agent_id": body["agent_id"],
    }


def callback(body: Body, priority: int) -> dict[str, Any]:
    """An open callback."""
    p = body["payload"]
    return {
        "id": body["id"],
        "borrower_id": body["borrower_id"],
        "number": p["number"],
        "reason": p["reason"],
        "due_at": p["due_at"],
        "priority": priority,
        "attempts": 0,
        "status": "open",
        "created_at": body["created_at"],
        "queue_id": None,
    }


def escalation(body: Body, snapshot: dict[str, Any], sla_hours: dict[str, int]) -> dict[str, Any]:
    """An open escalation; its SLA estimated from ``sla_hours`` by priority."""
    p = body["payload"]
    created = datetime.fromisoformat(body["created_at"])
    sla = iso(created + timedelta(hours=sla_hours[p["priority"]]))
    event = {"at": body["created_at"], "status": "open", "by": body["agent_id"], "comment": ""}
    return {
        "id": body["id"],
        "borrower_id": body["borrower_id"],
        "loan_id": p.get("loan_id"),
        "department": p["department"],
        "reason": p["reason"],
        "priority": p["priority"],
        "status": "open",
        "created_at": body["created_at"],
        "sla_due_at": sla,
        "agent_id": body["agent_id"],
        "snapshot": snapshot,
        "history": [event],
    }
