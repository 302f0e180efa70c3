"""A clock the test moves: what the reference core's ``clock``/``acd_clock`` parameters take."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """Returns ``now`` when called; ``tick(seconds)`` moves it on (or set ``now``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
