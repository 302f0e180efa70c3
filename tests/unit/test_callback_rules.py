"""Callback due times, priorities and merging, as the worklist will rely on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from workbench.domain.callbacks import (
    CallbackPolicy,
    callback_due_at,
    callback_priority,
    is_overdue,
    merge,
    merge_key,
)

SH = ZoneInfo("Asia/Shanghai")
POLICY = CallbackPolicy()


def at(day: int, hour: int, minute: int = 0, zone=SH) -> datetime:
    """November 2026: the 23rd is a Monday, the 27th a Friday, the 28th a Saturday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("created", "due"),
    [
        (at(24, 10, 15), at(24, 12, 15)),  # Tuesday morning: two hours later
        (at(24, 17, 0), at(25, 10, 0)),  # one hour today, one tomorrow after opening
        (at(27, 17, 30), at(30, 10, 30)),  # Friday evening → Monday
        (at(28, 11, 0), at(30, 11, 0)),  # Saturday: the clock starts Monday 09:00
        (at(24, 7, 0), at(24, 11, 0)),  # before opening
        (at(24, 20, 0), at(25, 11, 0)),  # after closing
    ],
)
def test_abandoned_call_is_due_within_two_business_hours(created, due):
    assert callback_due_at(POLICY, "abandoned", created, "Asia/Shanghai") == due


def test_due_time_is_computed_in_the_given_zone():
    # 10:00 UTC on Tuesday is 18:00 in Beijing (closed) but 16:00 in Urumqi (open).
    created = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    urumqi = ZoneInfo("Asia/Urumqi")
    assert callback_due_at(POLICY, "abandoned", created, urumqi) == at(24, 18, 0, urumqi)
    assert callback_due_at(POLICY, "abandoned", created, "Asia/Shanghai") == at(25, 11, 0)


def test_requested_callback_is_due_when_asked():
    wanted = at(26, 19, 30)
    assert callback_due_at(POLICY, "requested", at(24, 10), requested_at=wanted) == wanted
    with pytest.raises(ValueError, match="requested_at"):
        callback_due_at(POLICY, "requested", at(24, 10))


def test_broken_promise_by_close_of_next_business_day():
    assert callback_due_at(POLICY, "broken_promise", at(24, 0, 5)) == at(25, 18)
    assert callback_due_at(POLICY, "broken_promise", at(27, 9)) == at(30, 18)


def test_follow_up_within_two_business_days_skipping_holidays():
    assert callback_due_at(POLICY, "follow_up", at(26, 15)) == at(30, 18)
    holiday = CallbackPolicy(holidays=frozenset({date(2026, 11, 30)}))
    assert callback_due_at(holiday, "follow_up", at(26, 15)) == datetime(2026, 12, 1, 18, tzinfo=SH)


def test_targets_and_hours_are_configuration():
    seven_day = CallbackPolicy(
        business_start=time(8),
        business_end=time(21),
        business_days=frozenset(range(7)),
        abandoned_business_hours=0.5,
    )
    assert callback_due_at(seven_day, "abandoned", at(28, 20, 50)) == at(29, 8, 20)
    with pytest.raises(ValueError):
        CallbackPolicy(business_days=frozenset())
    with pytest.raises(ValueError, match="reason"):
        callback_due_at(POLICY, "whim", at(24, 10))


def test_priority_from_reason_wait_bucket_and_flags():
    assert callback_priority("follow_up") == 4
    assert callback_priority("abandoned") == 3
    assert callback_priority("abandoned", wait_s=179) == 3
    assert callback_priority("abandoned", wait_s=180) == 2
    assert callback_priority("abandoned", wait_s=600) == 1
    assert callback_priority("broken_promise", bucket="M1") == 3
    assert callback_priority("broken_promise", bucket="M3") == 2
    assert callback_priority("requested", flags=["vip"]) == 1
    assert callback_priority("follow_up", flags=["complaint_risk", "vip"]) == 2
    # Clamped: everything at once is still 1, never 0.
    assert callback_priority("abandoned", 900, "M4+", ["vip", "complaint_risk"]) == 1


def test_one_open_callback_per_borrower_and_reason():
    assert merge_key("B000123", "abandoned") == "B000123:abandoned"
    assert merge_key("B000123", "abandoned") != merge_key("B000123", "requested")
    assert merge_key("B000123", "abandoned") != merge_key("B000124", "abandoned")
    # A repeat abandonment keeps the earlier deadline and the more urgent priority.
    assert merge("abandoned", at(24, 12), 3, at(24, 15), 2) == (at(24, 12), 2)
    # A new request replaces the time the borrower asked for before.
    assert merge("requested", at(24, 12), 2, at(25, 9), 2) == (at(25, 9), 2)


def test_overdue_only_while_open():
    now = at(24, 13)
    assert is_overdue("2026-11-24T04:00:00Z", "open", now)  # 12:00 Beijing
    assert is_overdue(at(24, 12), "claimed", now)
    assert not is_overdue(at(24, 14), "open", now)
    assert not is_overdue(at(24, 12), "done", now)
