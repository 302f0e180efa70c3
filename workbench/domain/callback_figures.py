"""Callback figures per queue and overall: coverage, open, overdue, time to first attempt.

Definitions (``domain.metrics`` has the call-side formulas; the supervisor help shows these):

- **Callback coverage** = abandoned calls from a known number that got a callback task ÷ all
  abandoned calls from a known number (``metrics.callback_coverage``).
- **Abandonment to first attempt** = median seconds from a known caller's abandonment to the
  first outbound attempt (a dial, or an outcome recorded without one) of the callback it went
  to, made after it, over the calls already attempted (``metrics.median_abandon_to_first_attempt``).
- **Open** = callbacks ``open`` or ``claimed``; **overdue** = open ones whose due time passed.
- **Attempted** = callbacks with at least one attempt; **reached** = closed by ``reached`` or
  ``promised``; **satisfaction** = mean 回访 score over scored callbacks.

Abandoned calls come from the core's call log. A cache sees only the calls that became a
callback (each ``created``/``merged`` step with a ``call:`` source): from a cache alone the
coverage is over those, so it reads 100 % unless a callback went missing on the way.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from workbench.domain.callback_work import parse_at
from workbench.domain.metrics import (
    TOTAL,
    CallRecord,
    callback_coverage,
    median_abandon_to_first_attempt,
)
from workbench.domain.models import Callback

OPEN = ("open", "claimed")


@dataclass(frozen=True, slots=True)
class AbandonedCall:
    """An abandoned call from a known number and the callback it went to (None: none)."""

    source: str  # call:K…
    queue_id: str | None
    abandoned_at: datetime
    callback_id: str | None


@dataclass(frozen=True, slots=True)
class CallbackFigures:
    """The callback figures of one queue (or ``TOTAL``)."""

    queue_id: str
    abandoned_known: int
    called_back: int
    coverage: float | None
    open: int
    overdue: int
    attempted: int
    reached: int
    median_abandon_to_first_attempt_s: float | None
    satisfaction_mean: float | None

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def abandoned_from_history(callbacks: Iterable[Callback]) -> list[AbandonedCall]:
    """The abandoned calls a cache can see: every ``call:`` trigger in the callbacks' history."""
    out = []
    for cb in callbacks:
        for step in cb.history:
            if step.kind in ("created", "merged") and (step.source or "").startswith("call:"):
                out.append(AbandonedCall(step.source or "", cb.queue_id, parse_at(step.at), cb.id))
    return out


def _first_attempt_after(cb: Callback | None, moment: datetime) -> datetime | None:
    if cb is None:
        return None
    times = [parse_at(s.at) for s in cb.history if s.kind in ("dialed", "attempt")]
    later = [t for t in times if t >= moment]
    return min(later) if later else None


def _one(
    queue_id: str, callbacks: list[Callback], calls: list[AbandonedCall], now: datetime
) -> CallbackFigures:
    by_id = {cb.id: cb for cb in callbacks}
    records = [
        CallRecord(
            queue_id=c.queue_id or "",
            offered_at=c.abandoned_at,
            abandoned_at=c.abandoned_at,
            known_number=True,
            callback_created_at=c.abandoned_at if c.callback_id else None,
            first_attempt_at=_first_attempt_after(by_id.get(c.callback_id or ""), c.abandoned_at),
        )
        for c in calls
    ]
    scores = [cb.satisfaction for cb in callbacks if cb.satisfaction is not None]
    open_ = [cb for cb in callbacks if cb.status in OPEN]
    return CallbackFigures(
        queue_id=queue_id,
        abandoned_known=len(calls),
        called_back=sum(c.callback_id is not None for c in calls),
        coverage=callback_coverage(records),
        open=len(open_),
        overdue=sum(parse_at(cb.due_at) < now for cb in open_),
        attempted=sum(cb.attempts > 0 for cb in callbacks),
        reached=sum(cb.last_outcome in ("reached", "promised") for cb in callbacks),
        median_abandon_to_first_attempt_s=median_abandon_to_first_attempt(records),
        satisfaction_mean=statistics.fmean(scores) if scores else None,
    )


def callback_figures(
    callbacks: Iterable[Callback],
    now: datetime,
    abandoned: Iterable[AbandonedCall] | None = None,
) -> dict[str, CallbackFigures]:
    """Figures per queue (callbacks without a queue count under ``""``) and ``TOTAL``.

    ``abandoned`` defaults to what the callbacks' history shows (``abandoned_from_history``).
    """
    callbacks = list(callbacks)
    calls = list(abandoned) if abandoned is not None else abandoned_from_history(callbacks)
    by_id = {cb.id: cb for cb in callbacks}
    queues = sorted({cb.queue_id or "" for cb in callbacks} | {c.queue_id or "" for c in calls})
    out = {}
    for q in queues:
        own = [cb for cb in callbacks if (cb.queue_id or "") == q]
        mine = [c for c in calls if (c.queue_id or "") == q]
        extra = [by_id[c.callback_id] for c in mine if c.callback_id in by_id]
        attached = own + [cb for cb in extra if cb not in own]
        figures = _one(q, attached, mine, now)
        out[q] = figures if not extra else _restrict(figures, own, now)
    out[TOTAL] = _one(TOTAL, callbacks, calls, now)
    return out


def _restrict(figures: CallbackFigures, own: list[Callback], now: datetime) -> CallbackFigures:
    """Counts of callbacks stay with the queue they belong to (calls may point elsewhere)."""
    base = _one(figures.queue_id, own, [], now)
    return CallbackFigures(
        queue_id=figures.queue_id,
        abandoned_known=figures.abandoned_known,
        called_back=figures.called_back,
        coverage=figures.coverage,
        open=base.open,
        overdue=base.overdue,
        attempted=base.attempted,
        reached=base.reached,
        median_abandon_to_first_attempt_s=figures.median_abandon_to_first_attempt_s,
        satisfaction_mean=base.satisfaction_mean,
    )
