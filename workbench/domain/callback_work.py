"""Working callbacks: outcomes, claims, the worklist row and its order (pure).

The rules of *creating* a callback (due time, priority, merging) are in ``domain.callbacks``;
this module is about working them:

- **Outcomes** of an attempt (``OUTCOMES``): ``reached``, ``promised`` and ``wrong_number``
  close the callback (``done``); ``no_answer`` and ``call_back_later`` keep it ``open`` (the
  latter with the new due time the agent chose, which must lie inside the contact window).
- **Claims**: an agent claims a callback through the core before dialling; a claim lasts
  ``CLAIM_TTL_S`` (renewed by a dial) and ends with an outcome or a release. An expired claim
  is as good as none.
- **Purpose** for the contact gate: a broken promise is a collection contact, everything
  else a ``callback`` contact (``domain.compliance``).
- **Worklist order**: priority (1 first), then due time, then id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.domain.compliance import GateDecision
from workbench.domain.models import Callback, CallbackReason, CallbackStep

OUTCOMES = ("reached", "no_answer", "wrong_number", "promised", "call_back_later")
CLOSING_OUTCOMES = frozenset({"reached", "wrong_number", "promised"})
CLAIM_TTL_S = 900
DUE_SOON = timedelta(minutes=30)
REQUEST_LEAD = timedelta(minutes=15)  # a requested callback is worked from 15 min before its time
RETRY_GAP = timedelta(hours=1)  # an unanswered callback waits this long before the next try
SATISFACTION_RANGE = range(1, 6)
COMMENT_MAX = 500


def purpose_of(reason: str) -> str:
    """The contact-gate purpose of a callback: ``collection`` for a broken promise."""
    return "collection" if reason == CallbackReason.BROKEN_PROMISE else "callback"


def outcome_status(outcome: str) -> str:
    """The status a callback takes after an attempt with ``outcome``."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    return "done" if outcome in CLOSING_OUTCOMES else "open"


def parse_at(value: str) -> datetime:
    """A UTC ISO ``…Z`` timestamp as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso_z(at: datetime) -> str:
    """An aware datetime as UTC ISO-8601 with a ``Z`` (whole seconds)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def live_claim(callback: Callback, now: datetime) -> str | None:
    """The agent holding an unexpired claim on ``callback``, or None."""
    if callback.status != "claimed" or not callback.claimed_by:
        return None
    if callback.claim_expires_at and parse_at(callback.claim_expires_at) <= now:
        return None
    return callback.claimed_by


def first_attempt(history: Iterable[CallbackStep]) -> str | None:
    """Time of the first ``attempt`` step, if any."""
    return next((s.at for s in history if s.kind == "attempt"), None)


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One callback as the worklist shows it, with its contact gate at ``now``."""

    callback: Callback
    borrower_name: str
    number_masked: str
    reason: str
    priority: int
    attempts: int
    status: str
    due_at: str
    overdue: bool
    due_soon: bool
    claimed_by: str | None
    mine: bool
    gate: GateDecision
    ready: bool = True  # its time has come (see ``is_ready``)

    @property
    def id(self) -> str:
        return self.callback.id

    @property
    def workable(self) -> bool:
        """Ready, allowed by the gate and not held by another agent."""
        return self.ready and self.gate.allowed and (self.claimed_by is None or self.mine)


def make_row(
    callback: Callback,
    *,
    borrower_name: str,
    number_masked: str,
    gate: GateDecision,
    agent_id: str,
    now: datetime,
) -> WorklistRow:
    """The row of ``callback`` for ``agent_id`` at ``now``."""
    due = parse_at(callback.due_at)
    holder = live_claim(callback, now)
    return WorklistRow(
        callback=callback,
        borrower_name=borrower_name,
        number_masked=number_masked,
        reason=callback.reason,
        priority=callback.priority,
        attempts=callback.attempts,
        status="open" if callback.status == "claimed" and holder is None else callback.status,
        due_at=callback.due_at,
        overdue=callback.status in ("open", "claimed") and due < now,
        due_soon=now <= due <= now + DUE_SOON,
        claimed_by=holder,
        mine=holder == agent_id,
        gate=gate,
        ready=is_ready(callback, now),
    )


def is_ready(
    callback: Callback, now: datetime, *, lead: timedelta = REQUEST_LEAD, gap: timedelta = RETRY_GAP
) -> bool:
    """Whether the callback may be worked now: a requested one from ``lead`` before its time,
    and any one no sooner than ``gap`` after its last dial or attempt."""
    if callback.reason == CallbackReason.REQUESTED and parse_at(callback.due_at) > now + lead:
        return False
    tries = [s.at for s in callback.history if s.kind in ("dialed", "attempt")]
    return not tries or parse_at(max(tries)) + gap <= now


def order_key(callback: Callback) -> tuple[int, str, str]:
    """Sort key of the worklist: priority, then due time, then id."""
    return (callback.priority, callback.due_at, callback.id)


def worklist_order(rows: Iterable[WorklistRow]) -> list[WorklistRow]:
    """Rows by priority (1 first), then due time, then id."""
    return sorted(rows, key=lambda r: order_key(r.callback))


_CALLBACK_FIELDS = {f.name for f in fields(Callback)}
_STEP_FIELDS = {f.name for f in fields(CallbackStep)}


def callback_from_json(data: dict[str, Any]) -> Callback:
    """A ``Callback`` (history included) from its JSON object; unknown keys are ignored."""
    try:
        picked = {k: v for k, v in data.items() if k in _CALLBACK_FIELDS}
        picked["history"] = [
            CallbackStep(**{k: v for k, v in step.items() if k in _STEP_FIELDS})
            for step in data.get("history") or ()
        ]
        return Callback(**picked)
    except (TypeError, AttributeError) as exc:
        raise ValueError(f"not a callback: {exc}") from exc


def callback_to_json(callback: Callback) -> dict[str, Any]:
    """The JSON object of a callback (the inverse of ``callback_from_json``)."""
    return asdict(callback)
