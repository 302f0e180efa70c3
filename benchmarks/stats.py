"""Figures: latency percentiles, repeated rounds reduced to medians, and the aims they meet.

A latency figure is measured in ``rounds`` rounds of many samples; each round gives a median, a
p95 and a p99, and the figure reports the median of each over the rounds (figures are noisy on
a shared machine; one slow round does not decide). Its floor is measured the same way in the
same rounds, so the ratio compares like with like.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Latency:
    """Milliseconds at the median, the 95th and the 99th percentile."""

    median: float
    p95: float
    p99: float
    samples: int = 0

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        """Percentiles (nearest rank) of one round of samples given in seconds."""
        if not seconds:
            raise ValueError("no samples")
        ordered = sorted(s * 1000 for s in seconds)
        return cls(_rank(ordered, 0.50), _rank(ordered, 0.95), _rank(ordered, 0.99), len(ordered))

    @classmethod
    def over_rounds(cls, rounds: list[Latency]) -> Latency:
        """The median of each percentile over several rounds."""
        return cls(
            statistics.median(r.median for r in rounds),
            statistics.median(r.p95 for r in rounds),
            statistics.median(r.p99 for r in rounds),
            sum(r.samples for r in rounds),
        )

    def at(self, which: str) -> float:
        """``"median"``, ``"p95"`` or ``"p99"``."""
        return getattr(self, which)


def _rank(ordered: list[float], q: float) -> float:
    index = max(min(int(q * len(ordered) + 0.999999) - 1, len(ordered) - 1), 0)
    return ordered[index]


def time_each(
    call: Callable[[Any], object], inputs: Iterable[Any], cpu: list[float] | None = None
) -> list[float]:
    """Seconds taken by ``call(x)`` for each ``x`` (and its CPU seconds, appended to ``cpu``)."""
    out = []
    clock, thread_clock = time.perf_counter, time.thread_time
    for x in inputs:
        started, on_cpu = clock(), thread_clock()
        call(x)
        out.append(clock() - started)
        if cpu is not None:
            cpu.append(thread_clock() - on_cpu)
    return out


def cpu_wait_seconds() -> float | None:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Aim:
    """What a figure should reach: ``value <= limit`` (or ``>=`` when ``at_least``)."""

    text: str  # as printed, e.g. "p99 ≤ 5 ms"
    limit: float
    on: str = "p99"  # which number of the row is judged: median | p95 | p99 | ratio | value
    at_least: bool = False

    def met_by(self, number: float | None) -> bool | None:
        """True/False, or None when the figure is missing."""
        if number is None:
            return None
        return number >= self.limit if self.at_least else number <= self.limit


@dataclass
class Row:
    """One line of the table."""

    name: str
    unit: str  # "ms", "x", "MB", "B/borrower", "records/CPU-s" …
    latency: Latency | None = None
    value: float | None = None  # a single figure (median of repetitions) when not a latency
    floor: Latency | float | None = None
    floor_name: str = ""
    aim: Aim | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Figure ÷ floor, at the median (latencies) or as single figures."""
        mine = self.latency.median if self.latency else self.value
        theirs = self.floor.median if isinstance(self.floor, Latency) else self.floor
        if mine is None or not theirs:
            return None
        return mine / theirs

    def judged(self) -> float | None:
        """The number the aim is about."""
        if self.aim is None:
            return None
        if self.aim.on == "ratio":
            return self.ratio
        if self.aim.on == "value" or self.latency is None:
            return self.value
        return self.latency.at(self.aim.on)

    @property
    def passed(self) -> bool | None:
        """True (pass), False (short) or None (no aim, or nothing measured)."""
        return self.aim.met_by(self.judged()) if self.aim else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        floor = asdict(self.floor) if isinstance(self.floor, Latency) else self.floor
        return {
            "name": self.name,
            "unit": self.unit,
            "latency_ms": asdict(self.latency) if self.latency else None,
            "value": self.value,
            "floor": floor,
            "floor_name": self.floor_name,
            "ratio": _round(self.ratio),
            "aim": self.aim.text if self.aim else None,
            "passed": self.passed,
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
