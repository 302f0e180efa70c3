"""The callback actions of ``POST /v1/actions`` (called by ``effects.apply_action``).

- ``callback`` (a borrower asked to be called back): opens a callback, or merges into the
  borrower's open ``requested`` callback (the borrower's latest time wins, the history keeps
  both). A merged action leaves a tombstone under its own id, so the client's provisional
  record goes away when the feed brings it.
- ``callback_outcome``: one attempt of a callback — ``reached``, ``no_answer``,
  ``wrong_number``, ``promised``, ``call_back_later`` (payload ``due_at`` inside the contact
  window) — with a 回访 ``satisfaction`` (1–5) and ``comment``. It appends to the callback's
  history, releases the claim, closes or reschedules it, writes an outbound-call interaction
  (the history the desk's contact gate counts), and with ``call_id`` closes that call's
  after-call work like a disposition.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from workbench.core import callback_book as book
from workbench.core.actions import Action, InvalidAction, parse_time
from workbench.core.callback_book import CallbackRefused
from workbench.core.storage import Writer
from workbench.domain.compliance import in_window
from workbench.domain.models import Interaction

CONNECTED = frozenset({"reached", "promised", "wrong_number", "call_back_later"})


def apply_callback(
    w: Writer, action: Action, borrower: dict[str, Any], priority: int | None
) -> tuple[str, str, int]:
    """Open or merge a requested callback; the answer names the action's id."""
    book.ensure_tables(w)
    p = action.payload
    trigger = book.Trigger(
        borrower_id=action.borrower_id,
        reason=p["reason"],
        number=p["number"],
        at=action.created,
        source="action:" + action.id,
        requested_at=parse_time(p["due_at"]),
        priority=priority,
        agent_id=action.agent_id,
        record_id=action.id,
    )
    record = book.add_trigger(w, trigger, book.ACTIVE_CONFIG)
    if record is None:
        raise InvalidAction(f"callback {action.id} was already applied")
    if record["id"] != action.id:  # merged: a tombstone under the action's id
        w.upsert("callback", action.id, record | {"id": action.id, "status": "cancelled"})
        w.delete("callback", action.id)
    return "callback", action.id, w.head


def apply_outcome(w: Writer, action: Action, now: datetime) -> tuple[str, str, int]:
    """Record one attempt of a callback (see the module doc)."""
    book.ensure_tables(w)
    p = action.payload
    cfg = book.ACTIVE_CONFIG
    try:
        record = book.get_open(w, p["callback_id"])
        if record["borrower_id"] != action.borrower_id:
            raise InvalidAction(f"callback {record['id']} is not borrower {action.borrower_id}'s")
        due = parse_time(p["due_at"]) if p.get("due_at") else None
        if p["outcome"] == "call_back_later":
            zone = book._zone(w.get("borrower", action.borrower_id) or {})
            if (
                due is None
                or due <= action.created
                or not in_window(cfg.contact, due.astimezone(zone))
            ):
                raise InvalidAction(
                    "call_back_later needs payload.due_at after created_at and inside the "
                    "contact window (borrower's time)"
                )
        if p.get("satisfaction") is not None and record["reason"] != "follow_up":
            raise InvalidAction("payload.satisfaction is for follow_up (回访) callbacks only")
        book.record_outcome(
            w,
            record,
            outcome=p["outcome"],
            agent_id=action.agent_id,
            at=action.created,
            cfg=cfg,
            call_id=p.get("call_id"),
            due_at=due,
            satisfaction=p.get("satisfaction"),
            comment=p.get("comment") or "",
        )
    except CallbackRefused as exc:
        raise InvalidAction(exc.message) from None
    if p.get("call_id"):
        inserted = w.conn.execute(
            "INSERT OR IGNORE INTO call_dispositions (call_id, action_id, agent_id, code)"
            " VALUES (?, ?, ?, ?)",
            (p["call_id"], action.id, action.agent_id, "callback:" + p["outcome"]),
        ).rowcount
        if not inserted:
            raise InvalidAction(f"call {p['call_id']} already has a disposition")
    interaction = Interaction(
        id=action.id,
        borrower_id=action.borrower_id,
        channel="call_out",
        agent_id=action.agent_id,
        started_at=action.created_at,
        duration_s=0,
        disposition=p["outcome"],
        notes=p.get("notes") or p.get("comment") or "",
        outcome="connected" if p["outcome"] in CONNECTED else "no_answer",
        queue_id=record.get("queue_id"),
    )
    return "interaction", action.id, w.upsert("interaction", action.id, asdict(interaction))
