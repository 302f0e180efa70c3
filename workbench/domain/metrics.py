"""Contact-centre figures: the one place that computes them, from a log of calls.

Formulas (the supervisor help shows this text):

- **Offered**: every call that reached the queue. **Answered**: taken by an agent.
  **Abandoned**: the caller hung up while waiting. A **short abandon** is a call abandoned within
  the queue's short-abandon limit (wait ≤ limit, 5 s by default): a misdial, not a lost caller.
- **Service level** = calls answered within the threshold T (wait ≤ T, 20 s by default)
  ÷ (answered calls + calls abandoned after the short-abandon limit). Target 80 % by default;
  T, the limit and the target are set per queue. Calls still waiting are not counted yet.
- **ASA** (average speed of answer) = mean queue wait of answered calls.
- **Abandon rate** = abandoned calls (short ones included) ÷ offered calls.
- **AHT** (average handling time) = mean of talk + hold + after-call work over calls that
  have ended.
- **Occupancy** = handling time ÷ (handling time + available time): the share of logged-in,
  not-on-break time agents spent on calls.
- **Callback coverage** = abandoned calls from a known number that got a callback task ÷ all
  abandoned calls from a known number.
- **Abandonment to first attempt** = median time from a known caller's abandonment to the first
  outbound attempt of its callback, over those already attempted.

The **total** row judges every call by its own queue's T and limit, then sums: it is not an
average of the queues' percentages. A figure with nothing to divide by is ``None`` (no calls
yet), never a ``ZeroDivisionError``; screens show it as "—". Rates are fractions in 0..1.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from workbench.domain.models import Queue

TOTAL = "*"
"""``queue_id`` of the figures across all queues."""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One inbound call as the queue saw it; times aware, durations in seconds."""

    queue_id: str
    offered_at: datetime
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    ended_at: datetime | None = None
    wait_s: float = 0
    talk_s: float = 0
    hold_s: float = 0
    acw_s: float = 0
    known_number: bool = False  # the caller's number matched a borrower
    callback_created_at: datetime | None = None  # its callback task, for abandoned calls
    first_attempt_at: datetime | None = None  # first outbound attempt of that callback

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def abandoned(self) -> bool:
        return self.abandoned_at is not None and self.answered_at is None

    @property
    def handled(self) -> bool:
        """Answered and over: its handling time is final."""
        return self.answered and self.ended_at is not None

    @property
    def handling_s(self) -> float:
        return self.talk_s + self.hold_s + self.acw_s


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """Per-queue service-level settings."""

    threshold_s: float = 20
    short_abandon_s: float = 5
    target_pct: int = 80

    @classmethod
    def from_queue(cls, queue: Queue) -> QueueConfig:
        return cls(queue.sl_threshold_s, queue.short_abandon_s, queue.sl_target_pct)


Configs = QueueConfig | Mapping[str, QueueConfig]
"""One config for every call, or one per queue id (unknown queues get the defaults)."""


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Every figure for one queue (or ``TOTAL``): counts, then the derived rates."""

    queue_id: str
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    answered_within_threshold: int
    waiting: int  # offered, neither answered nor abandoned yet
    handled: int
    abandoned_known: int  # abandoned from a known number
    called_back: int  # … of which got a callback task
    service_level: float | None
    asa_s: float | None
    abandon_rate: float | None
    aht_s: float | None
    occupancy: float | None
    callback_coverage: float | None
    median_abandon_to_first_attempt_s: float | None
    target_pct: int | None = None  # the queue's SL target; None for the total

    @property
    def below_target(self) -> bool | None:
        """True when service level is under the queue's target; None when unknowable."""
        if self.service_level is None or self.target_pct is None:
            return None
        return self.service_level * 100 < self.target_pct


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _config_of(configs: Configs, call: CallRecord) -> QueueConfig:
    if isinstance(configs, QueueConfig):
        return configs
    return configs.get(call.queue_id) or QueueConfig()


def is_short_abandon(call: CallRecord, config: QueueConfig) -> bool:
    """Abandoned within the short-abandon limit (wait ≤ limit)."""
    return call.abandoned and call.wait_s <= config.short_abandon_s


def service_level(calls: Iterable[CallRecord], configs: Configs = QueueConfig()) -> float | None:
    """Answered within T ÷ (answered + abandoned after the short-abandon limit)."""
    within = counted = 0
    for call in calls:
        config = _config_of(configs, call)
        if call.answered:
            counted += 1
            within += call.wait_s <= config.threshold_s
        elif call.abandoned and not is_short_abandon(call, config):
            counted += 1
    return _ratio(within, counted)


def asa(calls: Iterable[CallRecord]) -> float | None:
    """Mean queue wait of answered calls, in seconds."""
    waits = [c.wait_s for c in calls if c.answered]
    return _ratio(sum(waits), len(waits))


def abandon_rate(calls: Iterable[CallRecord]) -> float | None:
    """Abandoned ÷ offered."""
    calls = list(calls)
    return _ratio(sum(c.abandoned for c in calls), len(calls))


def aht(calls: Iterable[CallRecord]) -> float | None:
    """Mean talk + hold + after-call work of calls that have ended, in seconds."""
    times = [c.handling_s for c in calls if c.handled]
    return _ratio(sum(times), len(times))


def occupancy(handling_s: float, available_s: float) -> float | None:
    """Handling time ÷ (handling time + available time)."""
    return _ratio(handling_s, handling_s + available_s)


def callback_coverage(calls: Iterable[CallRecord]) -> float | None:
    """Abandoned calls from a known number with a callback task ÷ all such."""
    known = [c for c in calls if c.abandoned and c.known_number]
    return _ratio(sum(c.callback_created_at is not None for c in known), len(known))


def median_abandon_to_first_attempt(calls: Iterable[CallRecord]) -> float | None:
    """Median seconds from abandonment to the callback's first attempt, over those attempted."""
    delays = [
        (c.first_attempt_at - c.abandoned_at).total_seconds()
        for c in calls
        if c.abandoned and c.known_number and c.first_attempt_at and c.abandoned_at
    ]
    return statistics.median(delays) if delays else None


def queue_figures(
    queue_id: str,
    calls: Iterable[CallRecord],
    configs: Configs = QueueConfig(),
    *,
    available_s: float | None = None,
    target_pct: int | None = None,
) -> QueueFigures:
    """All figures over ``calls`` (already filtered to one queue, or all for the total)."""
    calls = list(calls)
    answered = [c for c in calls if c.answered]
    abandoned = [c for c in calls if c.abandoned]
    handled = [c for c in calls if c.handled]
    known = [c for c in abandoned if c.known_number]
    handling = sum(c.handling_s for c in handled)
    return QueueFigures(
        queue_id=queue_id,
        offered=len(calls),
        answered=len(answered),
        abandoned=len(abandoned),
        short_abandoned=sum(is_short_abandon(c, _config_of(configs, c)) for c in abandoned),
        answered_within_threshold=sum(
            c.wait_s <= _config_of(configs, c).threshold_s for c in answered
        ),
        waiting=len(calls) - len(answered) - len(abandoned),
        handled=len(handled),
        abandoned_known=len(known),
        called_back=sum(c.callback_created_at is not None for c in known),
        service_level=service_level(calls, configs),
        asa_s=asa(answered),
        abandon_rate=abandon_rate(calls),
        aht_s=aht(handled),
        occupancy=None if available_s is None else occupancy(handling, available_s),
        callback_coverage=callback_coverage(known),
        median_abandon_to_first_attempt_s=median_abandon_to_first_attempt(known),
        target_pct=target_pct,
    )


def figures_by_queue(
    calls: Iterable[CallRecord],
    configs: Mapping[str, QueueConfig],
    *,
    available_s: Mapping[str, float] | None = None,
) -> dict[str, QueueFigures]:
    """Figures per queue: every configured queue (no calls → ``None`` rates), then any other."""
    groups: dict[str, list[CallRecord]] = {queue_id: [] for queue_id in configs}
    for call in calls:
        groups.setdefault(call.queue_id, []).append(call)
    available_s = available_s or {}
    return {
        queue_id: queue_figures(
            queue_id,
            group,
            configs.get(queue_id) or QueueConfig(),
            available_s=available_s.get(queue_id),
            target_pct=(configs.get(queue_id) or QueueConfig()).target_pct,
        )
        for queue_id, group in groups.items()
    }


def total_figures(
    calls: Iterable[CallRecord],
    configs: Mapping[str, QueueConfig],
    *,
    available_s: float | None = None,
) -> QueueFigures:
    """Figures across all queues, each call judged by its own queue's settings."""
    return queue_figures(TOTAL, calls, configs, available_s=available_s)


@dataclass(slots=True)
class Tally:
    """The sums behind one queue's figures, kept up to date call by call (a live wallboard).

    ``add(call, config)`` counts a call; ``remove`` uncounts the same version of it, so a call
    that changes (answered, ended, after-call work done) is removed as it was and added as it
    is. ``figures()`` gives the same numbers as ``queue_figures`` over the counted calls (the
    formulas above; tested against it), without the median, which needs every delay.
    """

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    within: int = 0
    counted: int = 0  # service level's denominator
    handled: int = 0
    wait_sum: float = 0.0  # answered calls' waits
    handling_sum: float = 0.0  # handled calls' talk + hold + after-call work
    abandoned_known: int = 0
    called_back: int = 0

    def add(self, call: CallRecord, config: QueueConfig = QueueConfig(), sign: int = 1) -> None:
        """Count ``call`` (``sign`` -1 uncounts it)."""
        self.offered += sign
        if call.answered:
            self.answered += sign
            self.counted += sign
            self.within += sign * (call.wait_s <= config.threshold_s)
            self.wait_sum += sign * call.wait_s
            if call.handled:
                self.handled += sign
                self.handling_sum += sign * call.handling_s
        elif call.abandoned:
            self.abandoned += sign
            short = is_short_abandon(call, config)
            self.short_abandoned += sign * short
            self.counted += sign * (not short)
            if call.known_number:
                self.abandoned_known += sign
                self.called_back += sign * (call.callback_created_at is not None)

    def remove(self, call: CallRecord, config: QueueConfig = QueueConfig()) -> None:
        """Uncount ``call`` as it was counted."""
        self.add(call, config, -1)

    def figures(self, queue_id: str, *, target_pct: int | None = None) -> QueueFigures:
        """The figures of the counted calls (occupancy and the median: ``None``)."""
        return QueueFigures(
            queue_id=queue_id,
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            short_abandoned=self.short_abandoned,
            answered_within_threshold=self.within,
            waiting=self.offered - self.answered - self.abandoned,
            handled=self.handled,
            abandoned_known=self.abandoned_known,
            called_back=self.called_back,
            service_level=_ratio(self.within, self.counted),
            asa_s=_ratio(self.wait_sum, self.answered),
            abandon_rate=_ratio(self.abandoned, self.offered),
            aht_s=_ratio(self.handling_sum, self.handled),
            occupancy=None,
            callback_coverage=_ratio(self.called_back, self.abandoned_known),
            median_abandon_to_first_attempt_s=None,
            target_pct=target_pct,
        )
