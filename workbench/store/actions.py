"""Agent actions: checked, then written to the cache and the outbox in ONE transaction.

The desk and the headless ``workbench act`` commands call these same functions. Each one

1. checks its input against the cache and raises :class:`ValidationError` (``field``, ``key``,
   bilingual ``message``) before anything is written;
2. builds the request body of ``POST /v1/actions`` (protocol v1) with a client-chosen record id
   and a fresh ``Idempotency-Key`` (UUID4);
3. in one write transaction stores that body in the outbox (``store.outbox``) and a provisional
   record under the same id in the entity table, so the action shows at once and
   ``outbox.pending_ids`` can tell it is still 待确认 / pending. When the core's record with
   that id arrives in the feed it simply replaces the provisional one.

Example::

    action = add_note(conn, "B000123", "客户承诺周五还款", agent_id="A001")
    action.status  # "pending"; sync.push sends it

Times: ``now`` defaults to the workbench clock (``config.now()``, which honours
``WORKBENCH_NOW``); dates are the lender's (Asia/Shanghai).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from workbench import config
from workbench.domain.callbacks import callback_priority
from workbench.domain.loans import bucket
from workbench.domain.models import CallbackReason, Department
from workbench.store import action_rules as rules
from workbench.store import outbox, provisional, queries
from workbench.store.action_rules import ValidationError, iso
from workbench.store.db import write_transaction

__all__ = [
    "Action",
    "ValidationError",
    "add_note",
    "escalate",
    "promise_to_pay",
    "record_disposition",
    "reveal_audit",
    "schedule_callback",
    "send_message",
]

PRIORITIES = ("low", "normal", "high", "urgent")
SLA_ESTIMATE = {"urgent": 4, "high": 8, "normal": 24, "low": 72}  # hours; the core decides
DEPARTMENTS = tuple(d.value for d in Department)
CALLBACK_REASONS = tuple(r.value for r in CallbackReason)
REVEAL_FIELDS = ("id_no", "phone", "debit_card")
_PREFIX = {
    "note": "N-",
    "disposition": "D-",
    "message": "M-",
    "promise": "P-",
    "callback": "C-",
    "escalation": "E-",
    "reveal_audit": "R-",
    "link_number": "L-",
    "callback_outcome": "O-",
    "escalation_update": "U-",
}


@dataclass(frozen=True, slots=True)
class Action:
    """An action as kept: its idempotency key, the record it creates and its status."""

    key: str
    type: str
    borrower_id: str
    entity: str | None
    record_id: str
    status: str
    created_at: str


def add_note(
    conn, borrower_id: str, text: str, *, agent_id: str, loan_id: str | None = None, now=None
) -> Action:
    """A free-text note on a borrower (an interaction of channel ``note``)."""
    require_borrower(conn, borrower_id)
    rules.text("text", text, limit=rules.NOTE_MAX, what_zh="备注", what_en="note", multiline=True)
    if loan_id is not None:
        _loan(conn, loan_id, borrower_id, open_only=False)
    payload = {"text": text} | ({"loan_id": loan_id} if loan_id else {})
    return take(conn, "note", borrower_id, payload, agent_id, now, "interaction", provisional.note)


def record_disposition(
    conn,
    borrower_id: str,
    code: str,
    *,
    agent_id: str,
    notes: str = "",
    channel: str = "call_in",
    duration_s: int = 0,
    queue_id: str | None = None,
    now=None,
) -> Action:
    """The disposition of a call (an interaction of channel ``call_in``/``call_out``)."""
    require_borrower(conn, borrower_id)
    rules.text("code", code, limit=64, what_zh="处理结果", what_en="disposition code")
    rules.one_of("channel", channel, ("call_in", "call_out"), what="渠道")
    if notes:
        rules.text(
            "notes", notes, limit=rules.NOTE_MAX, what_zh="备注", what_en="notes", multiline=True
        )
    if not isinstance(duration_s, int) or not 0 <= duration_s <= 86_400:
        raise ValidationError(
            "duration_s", "duration_s.invalid", "通话时长不对 / the call duration is not valid"
        )
    payload: dict[str, Any] = {"code": code, "channel": channel, "duration_s": duration_s}
    payload |= ({"notes": notes} if notes else {}) | ({"queue_id": queue_id} if queue_id else {})
    return take(
        conn, "disposition", borrower_id, payload, agent_id, now, "interaction", provisional.call
    )


def send_message(
    conn,
    borrower_id: str,
    channel: str,
    template: str,
    body: str,
    to: str,
    *,
    agent_id: str,
    now=None,
) -> Action:
    """An SMS or e-mail to the borrower (an interaction of that channel)."""
    require_borrower(conn, borrower_id)
    rules.one_of("channel", channel, ("sms", "email"), what="渠道")
    rules.text("template", template, limit=64, what_zh="模板", what_en="template")
    rules.text(
        "body", body, limit=rules.NOTE_MAX, what_zh="内容", what_en="message", multiline=True
    )
    rules.recipient(channel, to)
    payload = {"channel": channel, "template": template, "body": body, "to": to}
    return take(
        conn, "message", borrower_id, payload, agent_id, now, "interaction", provisional.message
    )


def promise_to_pay(
    conn, loan_id: str, amount: int | str, promised_date: date | str, *, agent_id: str, now=None
) -> Action:
    """A promise to pay ``amount`` (fen, or yuan as typed) on a loan by ``promised_date``."""
    now = _now(now)
    loan = _loan(conn, loan_id, None, open_only=True)
    fen = rules.parse_amount(amount)
    owed = queries.loan_view(loan, None, rules.business_today(now)).payoff.total
    rules.amount(fen, owed=owed)
    day = rules.promised_date(promised_date, today=rules.business_today(now))
    payload = {"loan_id": loan_id, "amount": fen, "promised_date": day.isoformat()}
    return take(
        conn, "promise", loan.borrower_id, payload, agent_id, now, "promise", provisional.promise
    )


def schedule_callback(
    conn,
    borrower_id: str,
    due_at: datetime | str,
    *,
    agent_id: str,
    number: str | None = None,
    reason: str = CallbackReason.REQUESTED.value,
    priority: int | None = None,
    now=None,
) -> Action:
    """A callback to the borrower at ``due_at`` (default number: the first callable phone)."""
    now = _now(now)
    borrower = require_borrower(conn, borrower_id)
    due = rules.future_time("due_at", due_at, now=now)
    rules.one_of("reason", reason, CALLBACK_REASONS, what="回呼原因")
    number = number or next(
        (p.number for p in borrower.phones if p.consent and not p.do_not_call), None
    )
    if not number:
        raise ValidationError(
            "number",
            "number.missing",
            "借款人没有可回呼的号码 / the borrower has no callable number",
        )
    rules.phone_number("number", number)
    if priority is not None and (not isinstance(priority, int) or not 1 <= priority <= 5):
        raise ValidationError("priority", "priority.invalid", "优先级须为 1–5 / priority is 1–5")
    payload: dict[str, Any] = {"number": number, "due_at": iso(due), "reason": reason}
    if priority is not None:
        payload["priority"] = priority
    shown = priority or callback_priority(
        reason, 0, _worst_bucket(conn, borrower_id, now), borrower.flags
    )
    return take(
        conn,
        "callback",
        borrower_id,
        payload,
        agent_id,
        now,
        "callback",
        lambda b: provisional.callback(b, shown),
    )


def escalate(
    conn,
    borrower_id: str,
    department: str,
    reason: str,
    *,
    agent_id: str,
    priority: str = "normal",
    loan_id: str | None = None,
    now=None,
) -> Action:
    """Escalate a borrower's case to a department (supervisor, 风控, 法务, …)."""
    now = _now(now)
    require_borrower(conn, borrower_id)
    rules.one_of("department", department, DEPARTMENTS, what="部门")
    rules.text(
        "reason", reason, limit=rules.REASON_MAX, what_zh="原因", what_en="reason", multiline=True
    )
    rules.one_of("priority", priority, PRIORITIES, what="优先级")
    snapshot: dict[str, Any] = {}
    if loan_id is not None:
        loan = _loan(conn, loan_id, borrower_id, open_only=False)
        snapshot = _snapshot(conn, loan, now)
    payload = {"department": department, "reason": reason, "priority": priority}
    payload |= {"loan_id": loan_id} if loan_id else {}
    return take(
        conn,
        "escalation",
        borrower_id,
        payload,
        agent_id,
        now,
        "escalation",
        lambda b: provisional.escalation(b, snapshot, SLA_ESTIMATE),
    )


def reveal_audit(
    conn,
    borrower_id: str,
    field: str,
    reason: str,
    *,
    agent_id: str,
    target_id: str | None = None,
    now=None,
) -> Action:
    """Record that the agent revealed a masked field (the core keeps the audit; no record)."""
    require_borrower(conn, borrower_id)
    rules.one_of("field", field, REVEAL_FIELDS, what="字段")
    rules.text("reason", reason, limit=rules.REASON_MAX, what_zh="原因", what_en="reason")
    payload = {"field": field, "reason": reason, "target_id": target_id or borrower_id}
    return take(conn, "reveal_audit", borrower_id, payload, agent_id, now, None, None)


# -- the one write path -------------------------------------------------------------------------


def take(
    conn, action_type, borrower_id, payload, agent_id, now, entity=None, make_record=None
) -> Action:
    """The one write path of every action: the body in the outbox and its provisional record
    (``make_record(body)``, if any) in the cache, in one transaction."""
    rules.text("agent_id", agent_id, limit=64, what_zh="坐席", what_en="agent id")
    created_at = iso(_now(now))
    body = {
        "type": action_type,
        "id": _PREFIX[action_type] + uuid.uuid4().hex,
        "borrower_id": borrower_id,
        "agent_id": agent_id,
        "created_at": created_at,
        "payload": payload,
    }
    record = make_record(body) if make_record else None
    key = str(uuid.uuid4())
    with write_transaction(conn):
        entry = outbox.enqueue(
            conn,
            key=key,
            action_type=action_type,
            borrower_id=borrower_id,
            body=body,
            created_at=created_at,
            entity=entity,
            record=record,
        )
    return Action(entry.key, action_type, borrower_id, entity, body["id"], entry.status, created_at)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else config.now()


def require_borrower(conn, borrower_id: str):
    found = queries.get_borrower(conn, borrower_id) if isinstance(borrower_id, str) else None
    if found is None:
        raise rules.unknown("borrower_id", str(borrower_id), "借款人", "borrower")
    return found


def _loan(conn, loan_id: str, borrower_id: str | None, *, open_only: bool):
    loan = queries.get_loan(conn, loan_id) if isinstance(loan_id, str) else None
    if not open_only and loan is not None:
        if borrower_id is not None and loan.borrower_id != borrower_id:
            return rules.open_loan(loan, loan_id, borrower_id)  # raises: another's loan
        return loan
    return rules.open_loan(loan, loan_id, borrower_id)


def _worst_bucket(conn, borrower_id: str, now: datetime) -> str:
    view = queries.borrower_view(conn, borrower_id, rules.business_today(now))
    return view.worst_bucket if view else bucket(0)


def _snapshot(conn, loan, now: datetime) -> dict[str, Any]:
    """The loan as the desk sees it now (the core's own snapshot replaces it)."""
    view = queries.loan_view(loan, None, rules.business_today(now))
    promises = [p for p in queries.promises_of(conn, loan.borrower_id) if p.status == "pending"]
    return {
        "dpd": view.dpd,
        "outstanding_principal": view.outstanding_principal,
        "payoff": view.payoff.total,
        "open_promises": len([p for p in promises if p.loan_id == loan.id]),
    }


def as_dict(action: Action) -> dict[str, Any]:
    """An action as plain data (for ``--json``); holds no personal data."""
    return asdict(action)
