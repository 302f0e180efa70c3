"""The callback worklist from the cache, and the outcome of an attempt through the outbox.

- ``callback_worklist``: open and claimed callbacks ordered by priority then due time, each
  with its due/overdue flags, who holds it, and the contact gate (``domain.compliance``) for
  its number now, in the borrower's zone, counted from the cached interaction history
  (outbound calls of the borrower's last two days; a ``call_out`` interaction counts on the
  callback's number, connected — and counted as a collection call, the stricter reading —
  unless its outcome is ``no_answer``; the core checks again with its own count at the dial).
- ``next_callback``: the first row the agent may work now (allowed, not held by another), and
  the rows skipped before it — each one's ``gate.rule`` and ``gate.allowed_from`` say why and
  until when.
- ``record_callback_outcome``: the ``callback_outcome`` action, same path as
  ``store.actions`` (bilingual ``ValidationError``; the outbox and a provisional record —
  the callback with the attempt appended — in one write transaction). ``sync.poke()`` after.

Claims and dials are live commands through the sync (``CallCommand("claim" | "claim_next" |
"release" | "dial", callback_id=…)``), not actions: their answer is needed now, and a claim
that cannot reach the core must fail, not wait in the outbox.

The cache has no status column for callbacks: the worklist decodes every cached callback
(about 40 ms per 10,000 on this machine) and keeps the open ones.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from workbench import config
from workbench.domain import pii
from workbench.domain.callback_work import (
    COMMENT_MAX,
    OUTCOMES,
    SATISFACTION_RANGE,
    WorklistRow,
    iso_z,
    make_row,
    outcome_status,
    parse_at,
    purpose_of,
    worklist_order,
)
from workbench.domain.compliance import (
    ContactAttempt,
    ContactPolicy,
    GateDecision,
    borrower_zone,
    check_contact,
    in_window,
)
from workbench.domain.models import Borrower, Callback, CallbackStep
from workbench.store import action_rules as rules
from workbench.store import queries, records, schema
from workbench.store.action_rules import ValidationError
from workbench.store.actions import Action, take
from workbench.store.codec import codec_of
from workbench.store.times import seconds_of

OPEN = ("open", "claimed")
HISTORY_DAYS = 2

__all__ = [
    "ValidationError",
    "callback_worklist",
    "get_callback",
    "next_callback",
    "open_callbacks",
    "record_callback_outcome",
]


def open_callbacks(conn) -> list[Callback]:
    """Every cached callback that is open or claimed (any order)."""
    return [cb for cb in all_callbacks(conn) if cb.status in OPEN]


def all_callbacks(conn) -> list[Callback]:
    """Every cached callback."""
    rows = conn.execute(f"SELECT {schema.row_columns('callback')} FROM callback")
    codec = codec_of(conn)
    return [records.to_model("callback", codec.unpack(conn, "callback", row)) for row in rows]


def get_callback(conn, callback_id: str) -> Callback | None:
    """One cached callback."""
    rows = conn.execute(
        f"SELECT {schema.row_columns('callback')} FROM callback WHERE id = ?", (callback_id,)
    ).fetchall()
    codec = codec_of(conn)
    return records.to_model("callback", codec.unpack(conn, "callback", rows[0])) if rows else None


def callback_worklist(
    conn,
    agent_id: str,
    now: datetime | None = None,
    *,
    policy: ContactPolicy | None = None,
    include_claimed: bool = True,
    limit: int = 500,
) -> list[WorklistRow]:
    """Open and claimed callbacks by priority then due, each with its contact gate at ``now``
    (``policy``: the limits of ``config.toml``'s ``[contact]`` unless given)."""
    now = now or config.now()
    policy = policy or config.contact_policy()[0]
    ordered = sorted(open_callbacks(conn), key=lambda c: (c.priority, c.due_at, c.id))
    borrowers = _borrowers(conn, {c.borrower_id for c in ordered[: limit * 2]})
    rows: list[WorklistRow] = []
    for cb in ordered:
        if len(rows) >= limit:
            break
        row = _row(conn, cb, borrowers.get(cb.borrower_id), agent_id, now, policy)
        if include_claimed or row.claimed_by in (None, agent_id):
            rows.append(row)
    return worklist_order(rows)


def next_callback(
    conn, agent_id: str, now: datetime | None = None, *, policy: ContactPolicy | None = None
) -> tuple[WorklistRow | None, list[WorklistRow]]:
    """The first workable row, and the rows skipped before it (blocked or claimed by others)."""
    skipped: list[WorklistRow] = []
    for row in callback_worklist(conn, agent_id, now, policy=policy):
        if row.workable:
            return row, skipped
        skipped.append(row)
    return None, skipped


def contact_history(conn, borrower_id: str, number: str, now: datetime) -> list[ContactAttempt]:
    """Outbound calls of the borrower's last ``HISTORY_DAYS`` days, from the cache."""
    since = seconds_of(now - timedelta(days=HISTORY_DAYS))  # the column's form (v7)
    rows = conn.execute(
        f"SELECT {schema.row_columns('interaction')} FROM interaction"
        " WHERE borrower_id = ? AND started_at >= ? ORDER BY started_at DESC LIMIT 500",
        (borrower_id, since),
    )
    codec = codec_of(conn)
    out: list[ContactAttempt] = []
    for row in rows:
        item = records.to_model("interaction", codec.unpack(conn, "interaction", row))
        if item.channel != "call_out":
            continue
        out.append(
            ContactAttempt(
                at=parse_at(item.started_at),
                number=number,
                connected=item.outcome != "no_answer",
                collection=item.outcome != "no_answer",  # the stricter reading: the core decides
            )
        )
    return out


def _row(conn, cb, borrower: Borrower | None, agent_id, now, policy) -> WorklistRow:
    if borrower is None:
        gate = GateDecision.blocked("unknown_number", number=pii.mask_phone(cb.number))
        name = ""
    else:
        gate = check_contact(
            policy,
            borrower=borrower,
            number=cb.number,
            purpose=purpose_of(cb.reason),
            history=contact_history(conn, cb.borrower_id, cb.number, now),
            now=now,
        )
        name = borrower.name
    return make_row(
        cb,
        borrower_name=name,
        number_masked=pii.mask_phone(cb.number),
        gate=gate,
        agent_id=agent_id,
        now=now,
    )


def _borrowers(conn, ids: set[str]) -> dict[str, Borrower]:
    found = queries._load_many(conn, "borrower", ids)
    return {bid: records.to_model("borrower", data) for bid, data in found.items()}


# -- the outcome action ------------------------------------------------------------------------


def record_callback_outcome(
    conn,
    callback_id: str,
    outcome: str,
    *,
    agent_id: str,
    call_id: str | None = None,
    due_at: datetime | str | None = None,
    satisfaction: int | None = None,
    comment: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> Action:
    """The outcome of an attempt, as an outbox action ``callback_outcome``."""
    now = now or config.now()
    rules.text("agent_id", agent_id, limit=64, what_zh="坐席", what_en="agent id")
    cb = get_callback(conn, callback_id) if isinstance(callback_id, str) else None
    if cb is None:
        raise rules.unknown("callback_id", str(callback_id), "回呼", "callback")
    if cb.status not in OPEN:
        raise ValidationError(
            "callback_id",
            "callback.closed",
            f"回呼已结束（{cb.status}）/ the callback is already {cb.status}",
        )
    rules.one_of("outcome", outcome, OUTCOMES, what="结果")
    payload: dict[str, Any] = {"callback_id": callback_id, "outcome": outcome}
    if call_id is not None:
        payload["call_id"] = rules.text(
            "call_id", call_id, limit=100, what_zh="呼叫编号", what_en="call id"
        )
    if outcome == "call_back_later":
        payload["due_at"] = _later(conn, cb, due_at, now)
    payload |= _feedback(cb, satisfaction, comment)
    if notes:
        payload["notes"] = rules.text(
            "notes", notes, limit=rules.NOTE_MAX, what_zh="备注", what_en="notes", multiline=True
        )
    return take(
        conn,
        "callback_outcome",
        cb.borrower_id,
        payload,
        agent_id,
        now,
        "callback",
        lambda body: _provisional(cb, body, now),
    )


def _later(conn, cb: Callback, due_at, now: datetime) -> str:
    if due_at is None:
        raise ValidationError(
            "due_at", "due_at.required", "请选择回呼时间 / choose when to call back"
        )
    at = rules.future_time("due_at", due_at, now=now)
    borrower = queries.get_borrower(conn, cb.borrower_id)
    zone = borrower_zone(borrower) if borrower else None
    if zone is not None and not in_window(config.contact_policy()[0], at.astimezone(zone)):
        raise ValidationError(
            "due_at",
            "due_at.outside_window",
            "回呼时间须在 08:00–22:00（借款人当地时间）/ the time must be inside the contact "
            "window, 08:00–22:00 the borrower's time",
        )
    return iso_z(at)


def _feedback(cb: Callback, satisfaction: int | None, comment: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if satisfaction is not None:
        if cb.reason != "follow_up":
            raise ValidationError(
                "satisfaction",
                "satisfaction.not_follow_up",
                "满意度只用于回访 / a satisfaction score is for 回访 follow-ups only",
            )
        if isinstance(satisfaction, bool) or satisfaction not in SATISFACTION_RANGE:
            raise ValidationError(
                "satisfaction", "satisfaction.range", "满意度须为 1–5 / the score must be 1 to 5"
            )
        out["satisfaction"] = satisfaction
    if comment:
        out["comment"] = rules.text(
            "comment", comment, limit=COMMENT_MAX, what_zh="评价", what_en="comment", multiline=True
        )
    return out


def _provisional(cb: Callback, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The callback as it will be once the core applies the outcome (shown at once)."""
    p = body["payload"]
    step = CallbackStep(
        at=body["created_at"],
        kind="attempt",
        agent_id=body["agent_id"],
        outcome=p["outcome"],
        call_id=p.get("call_id"),
        satisfaction=p.get("satisfaction"),
        comment=p.get("comment", ""),
        due_at=p.get("due_at"),
    )
    due = p.get("due_at") or cb.due_at
    if p["outcome"] == "no_answer":
        due = max(cb.due_at, iso_z(now + timedelta(hours=1)))
    updated = replace(
        cb,
        attempts=cb.attempts + 1,
        status=outcome_status(p["outcome"]),
        due_at=due,
        claimed_by=None,
        claim_expires_at=None,
        history=[*cb.history, step],
        first_attempt_at=cb.first_attempt_at or body["created_at"],
        last_outcome=p["outcome"],
        satisfaction=p.get("satisfaction", cb.satisfaction),
        comment=p.get("comment") or cb.comment,
    )
    return asdict(updated)
