"""What an applied action writes: one record in the feed (or an audit row), built here.

``apply_action(writer, action, now)`` runs inside the write transaction that also records the
idempotency key, so the checks against the store (borrower, loan, queue, id not yet used) and
the write see the same state. Records are built from the ``workbench.domain.models``
dataclasses, so they carry exactly the fields of the wire contract.

Escalation SLA (wall-clock hours from ``created_at``): urgent 4, high 8, normal 24, low 72.
The snapshot is the loan as the core has it *now* (``now`` in the borrower's zone): DPD,
bucket, outstanding principal and payoff (``workbench.domain.loans``), plus the borrower's
pending promises.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.core import callback_actions, escalation_actions
from workbench.core.actions import Action, InvalidAction, format_time, parse_time
from workbench.core.storage import Writer
from workbench.domain.callbacks import callback_priority
from workbench.domain.loans import bucket, days_past_due, payoff_quote
from workbench.domain.models import (
    Callback,
    Channel,
    Escalation,
    EscalationEvent,
    Installment,
    Interaction,
    Phone,
    Promise,
)

SLA_HOURS = {"urgent": 4, "high": 8, "normal": 24, "low": 72}
ENTITY_OF = {
    "note": "interaction",
    "disposition": "interaction",
    "message": "interaction",
    "promise": "promise",
    "callback": "callback",
    "escalation": "escalation",
    "reveal_audit": "audit",
    "link_number": "borrower",
    "callback_outcome": "interaction",
    "escalation_update": "escalation",
}
MAX_AHEAD = timedelta(days=366)  # a promise or callback further out is a typo
CALLBACK_GRACE = timedelta(hours=24)  # a callback may be booked for a moment just past


def apply_action(w: Writer, action: Action, now: datetime) -> tuple[str, str, int]:
    """Write the action's effect; returns ``(entity, id, seq)``. Raises ``InvalidAction``."""
    borrower = w.get("borrower", action.borrower_id)
    if borrower is None:
        raise InvalidAction(f"unknown borrower {action.borrower_id}")
    entity = ENTITY_OF[action.type]
    p = action.payload
    loan = _loan(w, action) if p.get("loan_id") else None
    if p.get("queue_id") and w.get("queue", p["queue_id"]) is None:
        raise InvalidAction(f"unknown queue {p['queue_id']}")
    if action.type == "reveal_audit":
        return entity, action.id, _audit(w, action, now)
    if action.type == "link_number":  # no record of its own: the answer names the action
        return entity, action.id, _link_number(w, action, borrower)
    if action.type in ("callback", "callback_outcome") and w.exists(entity, action.id):
        raise InvalidAction(f"{entity} {action.id} already exists: each action needs a new id")
    if action.type == "callback":  # opens or merges (one open callback per borrower and reason)
        _callback(action, borrower)  # the checks of the payload
        return callback_actions.apply_callback(w, action, borrower, action.payload["priority"])
    if action.type == "callback_outcome":
        return callback_actions.apply_outcome(w, action, now)
    if action.type == "escalation_update":
        return escalation_actions.apply_update(w, action)
    if w.exists(entity, action.id):
        raise InvalidAction(
            f"{entity} {action.id} already exists: each action creates a record with a new id"
        )
    build = _BUILDERS[action.type]
    record = build(action, borrower=borrower, loan=loan, w=w, now=now)
    if action.type == "disposition" and p.get("call_id"):
        _close_call(w, action)
    return entity, action.id, w.upsert(entity, action.id, asdict(record))


def _loan(w: Writer, action: Action) -> dict[str, Any]:
    loan_id = action.payload["loan_id"]
    loan = w.get("loan", loan_id)
    if loan is None:
        raise InvalidAction(f"unknown loan {loan_id}")
    if loan["borrower_id"] != action.borrower_id:
        raise InvalidAction(f"loan {loan_id} is not a loan of borrower {action.borrower_id}")
    return loan


def _interaction(action: Action, channel: str, **fields: Any) -> Interaction:
    p = action.payload
    base = {"duration_s": 0, "disposition": "", "notes": "", "outcome": "", "queue_id": None}
    return Interaction(
        id=action.id,
        borrower_id=action.borrower_id,
        channel=channel,
        agent_id=action.agent_id,
        started_at=action.created_at,
        loan_id=p.get("loan_id"),
        **(base | fields),
    )


def _note(action: Action, **_: Any) -> Interaction:
    return _interaction(action, "note", notes=action.payload["text"])


def _disposition(action: Action, **_: Any) -> Interaction:
    p = action.payload
    return _interaction(
        action,
        p["channel"] or Channel.CALL_IN.value,
        duration_s=p["duration_s"] or 0,
        disposition=p["code"],
        notes=p["notes"] or "",
        queue_id=p["queue_id"],
    )


def _message(action: Action, **_: Any) -> Interaction:
    p = action.payload
    return _interaction(
        action, p["channel"], disposition=p["template"], notes=p["body"], outcome="sent"
    )


def _promise(action: Action, borrower: dict[str, Any], **_: Any) -> Promise:
    p = action.payload
    promised = date.fromisoformat(p["promised_date"])
    today = action.created.astimezone(_zone(borrower)).date()
    if not today <= promised <= today + MAX_AHEAD:
        raise InvalidAction(
            f"payload.promised_date must be from {today} (the day the promise was taken, "
            f"borrower's time) to a year later, got {promised}"
        )
    return Promise(
        id=action.id,
        borrower_id=action.borrower_id,
        loan_id=p["loan_id"],
        amount=p["amount"],
        promised_date=p["promised_date"],
        status="pending",
        created_at=action.created_at,
        agent_id=action.agent_id,
    )


def _callback(action: Action, borrower: dict[str, Any], **_: Any) -> Callback:
    p = action.payload
    due, created = parse_time(p["due_at"]), action.created
    if not created - CALLBACK_GRACE <= due <= created + MAX_AHEAD:
        raise InvalidAction(
            "payload.due_at must be from a day before created_at to a year after it, "
            f"got {p['due_at']}"
        )
    priority = p["priority"] or callback_priority(p["reason"], flags=borrower.get("flags", ()))
    return Callback(
        id=action.id,
        borrower_id=action.borrower_id,
        number=p["number"],
        reason=p["reason"],
        due_at=p["due_at"],
        priority=priority,
        attempts=0,
        status="open",
        created_at=action.created_at,
    )


def _escalation(
    action: Action,
    borrower: dict[str, Any],
    loan: dict[str, Any] | None,
    w: Writer,
    now: datetime,
) -> Escalation:
    p = action.payload
    due = action.created + timedelta(hours=SLA_HOURS[p["priority"]])
    opened = EscalationEvent(at=action.created_at, status="open", by=action.agent_id)
    return Escalation(
        id=action.id,
        borrower_id=action.borrower_id,
        loan_id=p["loan_id"],
        department=p["department"],
        reason=p["reason"],
        priority=p["priority"],
        status="open",
        created_at=action.created_at,
        sla_due_at=format_time(due),
        agent_id=action.agent_id,
        snapshot=snapshot(w, borrower, loan, now),
        history=[opened],
    )


def snapshot(
    w: Writer, borrower: dict[str, Any], loan: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """The loan as the core has it today (borrower's zone) and the borrower's open promises."""
    today = now.astimezone(_zone(borrower)).date()
    open_promises = w.conn.execute(
        "SELECT count(*) FROM records WHERE entity = 'promise' AND deleted = 0"
        " AND json_extract(data, '$.borrower_id') = ?"
        " AND json_extract(data, '$.status') = 'pending'",
        (borrower["id"],),
    ).fetchone()[0]
    if loan is None:
        return {"as_of": today.isoformat(), "open_promises": open_promises}
    schedule = [Installment(**row) for row in loan["schedule"]]
    quote = payoff_quote(schedule, loan["annual_rate_bp"], loan["late_fee_daily_bp"], today)
    dpd = days_past_due(schedule, today)
    return {
        "as_of": today.isoformat(),
        "loan_id": loan["id"],
        "dpd": dpd,
        "bucket": bucket(dpd),
        "outstanding_principal": quote.outstanding_principal,
        "payoff": quote.total,
        "open_promises": open_promises,
    }


def _audit(w: Writer, action: Action, now: datetime) -> int:
    p = action.payload
    inserted = w.conn.execute(
        "INSERT OR IGNORE INTO audits (id, agent_id, borrower_id, field, target_id, reason,"
        " created_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            action.id,
            action.agent_id,
            action.borrower_id,
            p["field"],
            p["target_id"],
            p["reason"],
            action.created_at,
            format_time(now),
        ),
    ).rowcount
    if not inserted:
        raise InvalidAction(f"audit {action.id} already exists: each action needs a new id")
    return w.head  # no feed record: the head as it stands


def _close_call(w: Writer, action: Action) -> None:
    """Record that this disposition closes an ACD call (its agent may leave after-call work)."""
    inserted = w.conn.execute(
        "INSERT OR IGNORE INTO call_dispositions (call_id, action_id, agent_id, code)"
        " VALUES (?, ?, ?, ?)",
        (action.payload["call_id"], action.id, action.agent_id, action.payload["code"]),
    ).rowcount
    if not inserted:
        raise InvalidAction(f"call {action.payload['call_id']} already has a disposition")


def _link_number(w: Writer, action: Action, borrower: dict[str, Any]) -> int:
    """Add the caller's number to the borrower's phones; returns the borrower record's seq."""
    number = action.payload["number"]
    if any(p["number"] == number for p in borrower["phones"]):
        raise InvalidAction(f"this number is already one of borrower {borrower['id']}'s phones")
    kind = "mobile" if len(number) == 11 and number.startswith("1") else "home"
    borrower["phones"].append(asdict(Phone(number=number, kind=kind)))
    return w.upsert("borrower", borrower["id"], borrower)


def _zone(borrower: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(borrower.get("tz") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


_BUILDERS = {
    "note": _note,
    "disposition": _disposition,
    "message": _message,
    "promise": _promise,
    "callback": _callback,
    "escalation": _escalation,
}
