"""Callback rules: when a callback is due, how urgent it is, and which callbacks merge.

**Business time.** Response targets run on business time: 09:00–18:00, Monday to Friday, in
the zone the caller passes (the borrower's), minus the holidays in ``CallbackPolicy.holidays``
(China's public holidays move every year, so they are data, not code). A seven-day centre sets
``business_days`` to all seven. Business time only sets the *deadline*; when an agent may
actually call is the contact gate's decision (08:00–22:00, see ``compliance``).

**Response-time targets** per reason (``CallbackPolicy``, all configurable):

- ``abandoned``: within 2 business hours of the abandonment (a call abandoned on Friday at
  17:30 is due on Monday at 10:30);
- ``requested``: at the time the borrower asked for;
- ``broken_promise``: by the close of the next business day after it was detected;
- ``follow_up`` (回访): by the close of the 2nd business day after the case was resolved.

**Priority** 1 (highest) to 5. Start from the reason — requested 2, abandoned 3, broken promise
3, follow-up 4 — then one step more urgent for each of: waited ≥ 3 minutes before giving up
(two steps at ≥ 10 minutes), DPD bucket M2 or worse, VIP, complaint risk. Clamped to 1..5.
The worklist orders by (priority, due time).

**Merging.** One open callback per borrower and reason: ``merge_key(borrower_id, reason)``.
A new trigger whose key matches an open (``open`` or ``claimed``) callback merges into it
instead of creating another: its attempt history is kept, it takes the more urgent priority,
and the earlier due time — except ``requested``, where the borrower's latest wish replaces the
old time. Done or cancelled callbacks never merge; the next trigger opens a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workbench.domain.models import CallbackReason, Flag

OPEN_STATUSES = frozenset({"open", "claimed"})

REASON_BASE_PRIORITY: dict[str, int] = {
    CallbackReason.REQUESTED: 2,
    CallbackReason.ABANDONED: 3,
    CallbackReason.BROKEN_PROMISE: 3,
    CallbackReason.FOLLOW_UP: 4,
}
LONG_WAIT_S = 180  # a caller who held this long before hanging up is one step more urgent
VERY_LONG_WAIT_S = 600  # … and two steps from here
SERIOUS_BUCKETS = frozenset({"M2", "M3", "M4+"})


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """Business hours and response-time targets; every field can be overridden."""

    business_start: time = time(9, 0)
    business_end: time = time(18, 0)
    business_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    holidays: frozenset[date] = frozenset()
    abandoned_business_hours: float = 2
    broken_promise_business_days: int = 1
    follow_up_business_days: int = 2

    def __post_init__(self) -> None:
        if not self.business_start < self.business_end:
            raise ValueError("business hours must start before they end")
        if not self.business_days or not self.business_days <= set(range(7)):
            raise ValueError("business_days must be a non-empty set of weekdays 0..6")

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.business_days and day not in self.holidays


def merge_key(borrower_id: str, reason: str) -> str:
    """The identity an open callback is unique by: ``"B000123:abandoned"``."""
    return f"{borrower_id}:{_reason(reason)}"


def callback_priority(
    reason: str, wait_s: float = 0, bucket: str = "M0", flags: Iterable[str] = ()
) -> int:
    """Priority 1 (highest) .. 5 from reason, time waited, DPD bucket and borrower flags."""
    priority = REASON_BASE_PRIORITY[_reason(reason)]
    if wait_s >= VERY_LONG_WAIT_S:
        priority -= 2
    elif wait_s >= LONG_WAIT_S:
        priority -= 1
    if bucket in SERIOUS_BUCKETS:
        priority -= 1
    flag_set = set(flags)
    priority -= Flag.VIP in flag_set
    priority -= Flag.COMPLAINT_RISK in flag_set
    return min(max(priority, 1), 5)


def callback_due_at(
    policy: CallbackPolicy,
    reason: str,
    created_at: datetime,
    tz: str | ZoneInfo = "Asia/Shanghai",
    *,
    requested_at: datetime | None = None,
) -> datetime:
    """When a callback created at ``created_at`` must be made; aware, in ``tz``."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    if created_at.tzinfo is None:
        raise ValueError("created_at must be an aware datetime")
    local = created_at.astimezone(zone)
    reason = _reason(reason)
    if reason == CallbackReason.REQUESTED:
        if requested_at is None:
            raise ValueError("a requested callback needs requested_at (the time asked for)")
        return requested_at.astimezone(zone)
    if reason == CallbackReason.ABANDONED:
        return add_business_time(policy, local, timedelta(hours=policy.abandoned_business_hours))
    days = (
        policy.broken_promise_business_days
        if reason == CallbackReason.BROKEN_PROMISE
        else policy.follow_up_business_days
    )
    return close_of_business_day(policy, local, days)


def merge(
    reason: str,
    open_due_at: datetime,
    open_priority: int,
    new_due_at: datetime,
    new_priority: int,
) -> tuple[datetime, int]:
    """Due time and priority of an open callback after a repeat trigger merges into it."""
    if _reason(reason) == CallbackReason.REQUESTED:
        due = new_due_at  # the borrower's latest wish wins
    else:
        due = min(open_due_at, new_due_at)
    return due, min(open_priority, new_priority)


def is_overdue(due_at: datetime | str, status: str, now: datetime) -> bool:
    """An open callback whose due time has passed. ``due_at`` may be a UTC ISO string."""
    if status not in OPEN_STATUSES:
        return False
    due = datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at
    return due < now


def add_business_time(policy: CallbackPolicy, start: datetime, span: timedelta) -> datetime:
    """``start`` plus ``span`` of business time; a start outside hours waits for the opening."""
    zone = start.tzinfo
    at = _next_open(policy, start)
    remaining = span
    while True:
        close = datetime.combine(at.date(), policy.business_end, tzinfo=zone)
        if remaining <= close - at:
            return at + remaining
        remaining -= close - at
        at = _next_open(policy, close)


def close_of_business_day(policy: CallbackPolicy, start: datetime, n: int) -> datetime:
    """Business close of the ``n``-th business day after ``start``'s calendar day."""
    day = start.date()
    for _ in range(n):
        day = _next_business_day(policy, day)
    return datetime.combine(day, policy.business_end, tzinfo=start.tzinfo)


def _next_open(policy: CallbackPolicy, at: datetime) -> datetime:
    """``at`` itself during business hours, else the next opening."""
    day = at.date()
    if policy.is_business_day(day) and at.time() < policy.business_end:
        return max(at, datetime.combine(day, policy.business_start, tzinfo=at.tzinfo))
    day = _next_business_day(policy, day)
    return datetime.combine(day, policy.business_start, tzinfo=at.tzinfo)


def _next_business_day(policy: CallbackPolicy, day: date) -> date:
    for _ in range(3660):  # ten years of holidays would be a configuration error
        day += timedelta(days=1)
        if policy.is_business_day(day):
            return day
    raise ValueError("no business day in ten years: check business_days and holidays")


def _reason(reason: str) -> str:
    try:
        return CallbackReason(reason).value
    except ValueError:
        known = ", ".join(r.value for r in CallbackReason)
        raise ValueError(f"unknown callback reason {reason!r}; expected one of {known}") from None
