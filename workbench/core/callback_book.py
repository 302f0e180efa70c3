"""The core's callback book: callbacks created from triggers, merged, claimed and worked.

Callback records live in the feed like every entity; three tables of the core's own keep the
book fast and exact (created here on first use, ``ensure_tables``):

- ``callback_open``: one row per open or claimed callback, unique by merge key
  (``borrower:reason``, ``domain.callbacks.merge_key``), with the columns the worklist sorts
  and filters on; a row leaves when its callback is done or cancelled.
- ``callback_sources``: every trigger seen (``call:K…``, ``promise:P…``, ``escalation:E…``,
  ``action:C-…``) → the callback it went to, so a trigger counts once; abandoned known calls
  are also the denominator of callback coverage.
- ``outbound_attempts``: every outbound call the ACD placed for a callback (the contact gate
  counts them per borrower and number per local day).

Every function takes a ``Writer`` (one write transaction of ``CoreStore.write()``) so a trigger,
a claim or an outcome commits together with its feed record. Times are aware UTC datetimes.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from workbench.core.storage import Writer
from workbench.domain.callback_work import CLAIM_TTL_S, iso_z, outcome_status, parse_at
from workbench.domain.callbacks import (
    CallbackPolicy,
    callback_due_at,
    callback_priority,
    merge,
    merge_key,
)
from workbench.domain.compliance import ContactPolicy
from workbench.domain.loans import bucket, days_past_due
from workbench.domain.models import Callback, CallbackStep, Installment

TABLES = """
CREATE TABLE IF NOT EXISTS callback_open (
    id TEXT PRIMARY KEY, merge_key TEXT NOT NULL UNIQUE, borrower_id TEXT NOT NULL,
    queue_id TEXT, priority INTEGER NOT NULL, due_at TEXT NOT NULL, status TEXT NOT NULL,
    claimed_by TEXT, claim_expires_at TEXT
);
CREATE INDEX IF NOT EXISTS callback_open_order ON callback_open (priority, due_at, id);
CREATE TABLE IF NOT EXISTS callback_sources (
    source TEXT PRIMARY KEY, callback_id TEXT, kind TEXT NOT NULL, at TEXT NOT NULL,
    queue_id TEXT
);
CREATE TABLE IF NOT EXISTS outbound_attempts (
    call_id TEXT PRIMARY KEY, callback_id TEXT, borrower_id TEXT NOT NULL, number TEXT NOT NULL,
    agent_id TEXT, at TEXT NOT NULL, connected INTEGER NOT NULL DEFAULT 0,
    collection INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbound_attempts_borrower ON outbound_attempts (borrower_id, at);
CREATE INDEX IF NOT EXISTS records_loan_borrower
    ON records (json_extract(data, '$.borrower_id')) WHERE entity = 'loan';
CREATE INDEX IF NOT EXISTS records_payment_loan
    ON records (json_extract(data, '$.loan_id')) WHERE entity = 'payment';
"""


@dataclass(frozen=True, slots=True)
class CallbackConfig:
    """How the core makes and works callbacks (every field configurable)."""

    policy: CallbackPolicy = field(default_factory=CallbackPolicy)
    contact: ContactPolicy = field(default_factory=ContactPolicy)
    claim_ttl_s: int = CLAIM_TTL_S
    no_answer_retry_s: int = 3600  # a no-answer attempt is retried no sooner than this
    promise_lookback_days: int = 3  # older pending promises are the past's business
    sweep_every_s: float = 60.0  # broken promises, expired claims, resolved escalations


@dataclass(frozen=True, slots=True)
class Trigger:
    """Something that calls for a callback."""

    borrower_id: str
    reason: str
    number: str
    at: datetime  # when it happened (abandonment, detection, resolution, request)
    source: str  # call:K… | promise:P… | escalation:E… | action:C-…
    queue_id: str | None = None
    wait_s: float = 0
    requested_at: datetime | None = None  # reason requested: the time asked for
    priority: int | None = None  # an explicit priority (the callback action's)
    agent_id: str | None = None
    record_id: str | None = None  # the id a new callback takes (default: a new one)


ACTIVE_CONFIG = CallbackConfig()
"""The configuration the callback actions of this process follow (set by ``CallbackDesk``)."""


class CallbackRefused(Exception):
    """A claim, release or outcome the book refuses: HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def ensure_tables(w: Writer) -> None:
    """Create the book's tables and backfill the open index from existing callback records."""
    known = w.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'callback_open'"
    ).fetchone()
    for statement in TABLES.split(";"):
        if statement.strip():
            w.conn.execute(statement)
    if known:
        return
    rows = w.conn.execute(
        "SELECT data FROM records WHERE entity = 'callback' AND deleted = 0 ORDER BY seq"
    )
    for (data,) in rows.fetchall():
        record = orjson.loads(data)
        if record.get("status") in ("open", "claimed"):
            _index(w, record, replace=False)


# -- creating and merging ----------------------------------------------------------------------


def add_trigger(w: Writer, trigger: Trigger, cfg: CallbackConfig) -> dict[str, Any] | None:
    """Create a callback for ``trigger`` or merge it into the open one of its key.

    Returns the callback record written, or None when the trigger was seen before (or its
    borrower is unknown).
    """
    if w.conn.execute(
        "SELECT 1 FROM callback_sources WHERE source = ?", (trigger.source,)
    ).fetchone():
        return None
    borrower = w.get("borrower", trigger.borrower_id)
    if borrower is None:
        _source(w, trigger, None)
        return None
    zone = _zone(borrower)
    worst = worst_bucket(w, trigger.borrower_id, trigger.at.astimezone(zone).date())
    priority = trigger.priority or callback_priority(
        trigger.reason, trigger.wait_s, worst, borrower.get("flags", ())
    )
    if trigger.requested_at is not None:  # an agent booked the time (the callback action)
        due = trigger.requested_at.astimezone(UTC)
    else:
        due = callback_due_at(cfg.policy, trigger.reason, trigger.at, zone).astimezone(UTC)
    key = merge_key(trigger.borrower_id, trigger.reason)
    row = w.conn.execute("SELECT id FROM callback_open WHERE merge_key = ?", (key,)).fetchone()
    existing = w.get("callback", row[0]) if row else None
    step = CallbackStep(
        at=iso_z(trigger.at),
        kind="merged" if existing else "created",
        agent_id=trigger.agent_id,
        reason=trigger.reason,
        source=trigger.source,
        due_at=iso_z(due),
    )
    if existing is not None:
        new_due, new_priority = merge(
            trigger.reason, parse_at(existing["due_at"]), existing["priority"], due, priority
        )
        existing["due_at"], existing["priority"] = iso_z(new_due), new_priority
        existing["wait_s"] = max(int(existing.get("wait_s") or 0), int(trigger.wait_s))
        existing["number"] = existing["number"] or trigger.number
        existing.setdefault("history", []).append(asdict(step) | {"due_at": iso_z(new_due)})
        record = existing
    else:
        record = asdict(
            Callback(
                id=trigger.record_id or callback_id_of(trigger.source),
                borrower_id=trigger.borrower_id,
                number=trigger.number,
                reason=trigger.reason,
                due_at=iso_z(due),
                priority=priority,
                attempts=0,
                status="open",
                created_at=iso_z(trigger.at),
                queue_id=trigger.queue_id,
                history=[step],
                source=trigger.source,
                wait_s=int(trigger.wait_s),
            )
        )
    write(w, record)
    _source(w, trigger, record["id"])
    return record


def callback_id_of(source: str) -> str:
    """The id of the callback a trigger opens: stable, so a replayed day has the same ids."""
    return "CB-" + hashlib.sha256(source.encode()).hexdigest()[:20]


def _source(w: Writer, trigger: Trigger, callback_id: str | None) -> None:
    kind = trigger.source.split(":", 1)[0]
    w.conn.execute(
        "INSERT OR IGNORE INTO callback_sources (source, callback_id, kind, at, queue_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (trigger.source, callback_id, kind, iso_z(trigger.at), trigger.queue_id),
    )


def note_uncovered(w: Writer, source: str, at: datetime, queue_id: str | None) -> None:
    """An abandoned known call that got no callback (counts against coverage)."""
    w.conn.execute(
        "INSERT OR IGNORE INTO callback_sources (source, callback_id, kind, at, queue_id)"
        " VALUES (?, NULL, 'call', ?, ?)",
        (source, iso_z(at), queue_id),
    )


def write(w: Writer, record: dict[str, Any]) -> int:
    """Write a callback record to the feed and keep the open index in step."""
    seq = w.upsert("callback", record["id"], record)
    if record["status"] in ("open", "claimed"):
        _index(w, record, replace=True)
    else:
        w.conn.execute("DELETE FROM callback_open WHERE id = ?", (record["id"],))
    return seq


def _index(w: Writer, record: dict[str, Any], *, replace: bool) -> None:
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    w.conn.execute(
        f"{verb} INTO callback_open (id, merge_key, borrower_id, queue_id, priority, due_at,"
        " status, claimed_by, claim_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record["id"],
            merge_key(record["borrower_id"], record["reason"]),
            record["borrower_id"],
            record.get("queue_id"),
            record["priority"],
            record["due_at"],
            record["status"],
            record.get("claimed_by"),
            record.get("claim_expires_at"),
        ),
    )


def worst_bucket(w: Writer, borrower_id: str, today) -> str:
    """The worst DPD bucket of the borrower's loans (``M0`` when none is late)."""
    rows = w.conn.execute(
        "SELECT data FROM records WHERE entity = 'loan' AND deleted = 0"
        " AND json_extract(data, '$.borrower_id') = ?",
        (borrower_id,),
    ).fetchall()
    dpd = 0
    for (data,) in rows:
        loan = orjson.loads(data)
        schedule = [Installment(**i) for i in loan.get("schedule") or ()]
        dpd = max(dpd, days_past_due(schedule, today) if schedule else 0)
    return bucket(dpd)


def _zone(borrower: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(borrower.get("tz") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


# -- claims ------------------------------------------------------------------------------------


def _live(record: dict[str, Any], now: datetime) -> str | None:
    if record["status"] != "claimed" or not record.get("claimed_by"):
        return None
    expires = record.get("claim_expires_at")
    return record["claimed_by"] if not expires or parse_at(expires) > now else None


def get_open(w: Writer, callback_id: str) -> dict[str, Any]:
    """The callback, or ``CallbackRefused`` (404 unknown, 409 closed)."""
    record = w.get("callback", callback_id)
    if record is None:
        raise CallbackRefused(404, "unknown_callback", f"没有回呼 / no callback {callback_id}")
    if record["status"] not in ("open", "claimed"):
        status = record["status"]
        raise CallbackRefused(409, "closed", f"回呼已{status} / callback {callback_id} is {status}")
    return record


def claim(
    w: Writer, callback_id: str, agent_id: str, now: datetime, cfg: CallbackConfig
) -> dict[str, Any]:
    """Claim (or renew the claim of) a callback; 409 ``claimed`` if another agent has it."""
    record = get_open(w, callback_id)
    holder = _live(record, now)
    if holder is not None and holder != agent_id:
        raise _taken(callback_id, holder)
    record["status"], record["claimed_by"] = "claimed", agent_id
    record["claim_expires_at"] = iso_z(now + timedelta(seconds=cfg.claim_ttl_s))
    if holder is None:
        step = CallbackStep(at=iso_z(now), kind="claimed", agent_id=agent_id)
        record.setdefault("history", []).append(asdict(step))
    write(w, record)
    return record


def release(
    w: Writer, callback_id: str, agent_id: str, now: datetime, *, kind: str = "released"
) -> dict[str, Any]:
    """Give a claimed callback back to the worklist (only its holder may)."""
    record = get_open(w, callback_id)
    holder = _live(record, now)
    if kind == "released" and holder != agent_id:
        raise CallbackRefused(
            409, "not_claimed", f"你没有认领回呼 / you have not claimed callback {callback_id}"
        )
    _unclaim(record)
    step = CallbackStep(at=iso_z(now), kind=kind, agent_id=holder or record.get("claimed_by"))
    record.setdefault("history", []).append(asdict(step))
    write(w, record)
    return record


def _taken(callback_id: str, holder: str) -> CallbackRefused:
    message = f"回呼已由 {holder} 处理 / callback {callback_id} is claimed by {holder}"
    return CallbackRefused(409, "claimed", message)


def _unclaim(record: dict[str, Any]) -> None:
    record["status"], record["claimed_by"], record["claim_expires_at"] = "open", None, None


def expire_claims(w: Writer, now: datetime) -> list[dict[str, Any]]:
    """Claims past their expiry go back to ``open``; returns the records changed."""
    rows = w.conn.execute(
        "SELECT id FROM callback_open WHERE status = 'claimed' AND claim_expires_at <= ?"
        " ORDER BY id",
        (iso_z(now),),
    ).fetchall()
    return [release(w, cid, "", now, kind="expired") for (cid,) in rows]


def candidates(w: Writer, queues: tuple[str, ...] | None, limit: int = 200) -> list[str]:
    """Open callbacks in worklist order (priority, due, id), of ``queues`` (None: all)."""
    rows = w.conn.execute(
        "SELECT id, queue_id, status FROM callback_open ORDER BY priority, due_at, id LIMIT ?",
        (limit * 4,),
    ).fetchall()
    wanted = set(queues) if queues is not None else None
    out = [cid for cid, q, _ in rows if wanted is None or q is None or q in wanted]
    return out[:limit]


# -- attempts ----------------------------------------------------------------------------------


def record_outcome(
    w: Writer,
    record: dict[str, Any],
    *,
    outcome: str,
    agent_id: str,
    at: datetime,
    cfg: CallbackConfig,
    call_id: str | None = None,
    due_at: datetime | None = None,
    satisfaction: int | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """Apply one attempt's outcome to the callback record and write it."""
    holder = _live(record, at)
    if holder is not None and holder != agent_id:
        raise _taken(record["id"], holder)
    status = outcome_status(outcome)
    step = CallbackStep(
        at=iso_z(at),
        kind="attempt",
        agent_id=agent_id,
        outcome=outcome,
        call_id=call_id,
        satisfaction=satisfaction,
        comment=comment,
    )
    if outcome == "call_back_later" and due_at is not None:
        record["due_at"] = step.due_at = iso_z(due_at)
    elif outcome == "no_answer":
        retry = at + timedelta(seconds=cfg.no_answer_retry_s)
        record["due_at"] = step.due_at = iso_z(max(parse_at(record["due_at"]), retry))
    record["attempts"] = int(record.get("attempts") or 0) + 1
    record["first_attempt_at"] = record.get("first_attempt_at") or iso_z(at)
    record["last_outcome"] = outcome
    if satisfaction is not None:
        record["satisfaction"] = satisfaction
    if comment:
        record["comment"] = comment
    _unclaim(record)
    record["status"] = status
    record.setdefault("history", []).append(asdict(step))
    write(w, record)
    return record


def log_attempt(
    w: Writer,
    *,
    call_id: str,
    callback_id: str | None,
    borrower_id: str,
    number: str,
    agent_id: str | None,
    at: datetime,
    collection: bool,
) -> None:
    """An outbound call was placed (the gate counts it)."""
    w.conn.execute(
        "INSERT OR IGNORE INTO outbound_attempts (call_id, callback_id, borrower_id, number,"
        " agent_id, at, collection) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (call_id, callback_id, borrower_id, number, agent_id, iso_z(at), int(collection)),
    )


def mark_connected(w: Writer, call_id: str) -> None:
    """The borrower picked up the outbound call ``call_id``."""
    w.conn.execute("UPDATE outbound_attempts SET connected = 1 WHERE call_id = ?", (call_id,))


def attempts_since(w: Writer, borrower_id: str, since: datetime) -> list[tuple]:
    """``(at, number, connected, collection)`` of the borrower's outbound calls since ``since``."""
    return w.conn.execute(
        "SELECT at, number, connected, collection FROM outbound_attempts"
        " WHERE borrower_id = ? AND at >= ? ORDER BY at",
        (borrower_id, iso_z(since)),
    ).fetchall()
