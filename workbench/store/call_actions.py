"""Actions of call handling: link a caller's number to a borrower, close a call's wrap-up.

Same path as ``store.actions``: checked against the cache (``ValidationError`` with a bilingual
message), then the ``POST /v1/actions`` body goes to the outbox in one write transaction; the
sync delivers it exactly once.

- ``link_number``: the caller proved to be this borrower; the core adds the number to the
  borrower's phones (the borrower record comes back through the feed; there is no provisional
  record meanwhile, so the cached phones change when the core confirms).
- ``record_call_disposition``: ``store.actions.record_disposition`` for a call of the ACD: the
  payload names ``call_id``, so the core lets the agent leave after-call work.

Example::

    link_number(conn, "B000123", "13912345678", agent_id="A001", call_id="K261127-000042")
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from workbench.store import action_rules as rules
from workbench.store import provisional
from workbench.store.action_rules import ValidationError
from workbench.store.actions import Action, require_borrower, take

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")

__all__ = ["Action", "ValidationError", "link_number", "record_call_disposition"]


def link_number(
    conn,
    borrower_id: str,
    number: str,
    *,
    agent_id: str,
    call_id: str | None = None,
    now: datetime | None = None,
) -> Action:
    """Ask the core to add ``number`` (digits) to the borrower's phones."""
    borrower = require_borrower(conn, borrower_id)
    rules.phone_number("number", number)
    if any(p.number == number for p in borrower.phones):
        raise ValidationError(
            "number",
            "number.linked",
            "该号码已是此借款人的号码 / this number is already one of the borrower's phones",
        )
    payload: dict[str, Any] = {"number": number}
    if call_id is not None:
        payload["call_id"] = _call_id(call_id)
    return take(conn, "link_number", borrower_id, payload, agent_id, now, None, None)


def record_call_disposition(
    conn,
    borrower_id: str,
    code: str,
    *,
    call_id: str,
    agent_id: str,
    notes: str = "",
    channel: str = "call_in",
    duration_s: int = 0,
    queue_id: str | None = None,
    loan_id: str | None = None,
    now: datetime | None = None,
) -> Action:
    """The disposition of an ACD call (an interaction of channel ``call_in``/``call_out``)."""
    require_borrower(conn, borrower_id)
    rules.text("code", code, limit=64, what_zh="处理结果", what_en="disposition code")
    rules.one_of("channel", channel, ("call_in", "call_out"), what="渠道")
    if notes:
        rules.text(
            "notes", notes, limit=rules.NOTE_MAX, what_zh="备注", what_en="notes", multiline=True
        )
    if not isinstance(duration_s, int) or isinstance(duration_s, bool) or duration_s < 0:
        raise ValidationError(
            "duration_s", "duration_s.invalid", "通话时长不对 / the call duration is not valid"
        )
    payload: dict[str, Any] = {
        "code": code,
        "channel": channel,
        "duration_s": min(duration_s, 86_400),
        "call_id": _call_id(call_id),
    }
    optional = {"notes": notes, "queue_id": queue_id, "loan_id": loan_id}
    payload |= {k: v for k, v in optional.items() if v}
    return take(
        conn,
        "disposition",
        borrower_id,
        payload,
        agent_id,
        now,
        "interaction",
        provisional.call,
    )


def _call_id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError("call_id", "call_id.invalid", "呼叫编号不对 / not a call id")
    return value
