"""Contact-centre figures on scripted call logs with answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.domain.metrics import (
    TOTAL,
    CallRecord,
    QueueConfig,
    abandon_rate,
    aht,
    asa,
    callback_coverage,
    figures_by_queue,
    median_abandon_to_first_attempt,
    occupancy,
    queue_figures,
    service_level,
    total_figures,
)
from workbench.domain.models import Queue

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def answered(wait: float, talk=0, hold=0, acw=0, queue="q1", ended=True) -> CallRecord:
    at = T0 + timedelta(seconds=wait)
    return CallRecord(
        queue,
        T0,
        answered_at=at,
        ended_at=at + timedelta(seconds=talk + hold) if ended else None,
        wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        acw_s=acw,
    )


def abandoned(wait: float, queue="q1", known=False, callback_after=None, attempt_after=None):
    at = T0 + timedelta(seconds=wait)
    return CallRecord(
        queue,
        T0,
        abandoned_at=at,
        wait_s=wait,
        known_number=known,
        callback_created_at=at + timedelta(seconds=callback_after) if callback_after else None,
        first_attempt_at=at + timedelta(seconds=attempt_after) if attempt_after else None,
    )


# Queue q1: 4 answered (waits 5, 15, 20, 40), 2 abandoned after long waits, 2 short abandons.
LOG = [
    answered(5, talk=200, hold=30, acw=60),
    answered(15, talk=100, acw=20),
    answered(20, talk=300, hold=0, acw=40),  # exactly T: counts as within
    answered(40, talk=150, hold=50, acw=50, ended=False),  # still on the line
    abandoned(60, known=True, callback_after=30, attempt_after=600),
    abandoned(90, known=True, callback_after=20, attempt_after=1200),
    abandoned(3),
    abandoned(5),  # exactly the limit: short
]


def test_service_level_excludes_short_abandons():
    # within T: 3; denominator: 4 answered + 2 long abandons = 6
    assert service_level(LOG) == pytest.approx(3 / 6)


def test_service_level_without_short_abandon_exclusion():
    # With a limit of 0 every abandon counts against the queue: 3 / 8.
    assert service_level(LOG, QueueConfig(short_abandon_s=0)) == pytest.approx(3 / 8)


def test_service_level_with_a_longer_threshold():
    assert service_level(LOG, QueueConfig(threshold_s=40)) == pytest.approx(4 / 6)


def test_asa_abandon_rate_aht():
    assert asa(LOG) == pytest.approx((5 + 15 + 20 + 40) / 4)
    assert abandon_rate(LOG) == pytest.approx(4 / 8)  # short abandons are still abandons
    assert aht(LOG) == pytest.approx((290 + 120 + 340) / 3)  # the open call is not final


def test_occupancy():
    assert occupancy(750, 250) == pytest.approx(0.75)
    assert occupancy(0, 0) is None


def test_callbacks_coverage_and_median_delay():
    log = [
        *LOG,
        abandoned(70, known=True),  # no callback task yet
        abandoned(80, known=True, callback_after=10),  # task, not yet attempted
    ]
    assert callback_coverage(log) == pytest.approx(3 / 4)  # unknown numbers are not counted
    assert median_abandon_to_first_attempt(log) == pytest.approx(900)


def test_queue_with_no_calls_has_no_rates_and_no_division_by_zero():
    figures = queue_figures("empty", [], QueueConfig())
    assert figures.offered == 0
    for name in (
        "service_level",
        "asa_s",
        "abandon_rate",
        "aht_s",
        "occupancy",
        "callback_coverage",
        "median_abandon_to_first_attempt_s",
    ):
        assert getattr(figures, name) is None, name
    assert figures.below_target is None
    only_short = [abandoned(2)]
    assert service_level(only_short) is None
    assert abandon_rate(only_short) == 1.0


def test_queue_figures_hold_every_count():
    f = queue_figures("q1", LOG, QueueConfig(), available_s=1000, target_pct=80)
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned) == (8, 4, 4, 2)
    assert (f.answered_within_threshold, f.waiting, f.handled) == (3, 0, 3)
    assert (f.abandoned_known, f.called_back) == (2, 2)
    assert f.callback_coverage == 1.0
    assert f.occupancy == pytest.approx(750 / 1750)
    assert f.below_target is True


def test_each_queue_uses_its_own_threshold_and_the_total_sums_calls():
    configs = {
        "q1": QueueConfig(threshold_s=20),
        "q2": QueueConfig(threshold_s=60, target_pct=50),
        "idle": QueueConfig(),
    }
    q2 = [
        answered(45, queue="q2", talk=60),
        answered(10, queue="q2", ended=False),
        abandoned(100, queue="q2"),
    ]
    log = LOG + q2
    per_queue = figures_by_queue(log, configs, available_s={"q2": 60})
    assert list(per_queue) == ["q1", "q2", "idle"]
    assert per_queue["q2"].service_level == pytest.approx(2 / 3)  # 45 s is within q2's 60 s
    assert per_queue["q2"].below_target is False
    assert per_queue["q2"].occupancy == pytest.approx(0.5)
    assert per_queue["idle"].service_level is None
    total = total_figures(log, configs)
    assert total.queue_id == TOTAL
    assert total.offered == 11
    # (3 within in q1 + 2 in q2) ÷ (6 + 3): not the mean of 1/2 and 2/3, nor judged by T = 20 s.
    assert total.service_level == pytest.approx(5 / 9)
    assert total.asa_s == pytest.approx((80 + 45 + 10) / 6)
    assert total.target_pct is None


def test_config_from_the_queue_entity():
    queue = Queue(
        "q9", "逾期协商", "Arrears", sl_threshold_s=30, sl_target_pct=90, short_abandon_s=8
    )
    assert QueueConfig.from_queue(queue) == QueueConfig(30, 8, 90)
