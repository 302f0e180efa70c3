"""Full passes of Python's cyclic collector, made while the agent is not typing.

Every borrower view the desk replaces, every results list and every toast leaves cyclic
garbage (widgets point at their parents and back). It outlives the young generations, so the
collector frees it in a full pass, which Python starts by allocation count, wherever that falls:
at a million borrowers a full pass took 40–110 ms and, falling on a keystroke, made that key's
results late by as much (the three slowest keys of the benchmark). :class:`IdleCollector` runs
the full pass itself once the desk has been idle (no key, click or scroll) for :data:`IDLE_S`;
the pass then starts with nothing pending, and the allocation counts that would start the next
one begin again from zero. It only collects when there was activity since its last pass, or
:data:`EVERY_S` has gone by (a live supervisor pane makes garbage without a key pressed).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from textual import events
from textual.app import App

IDLE_S = 1.0  # no key for this long: the agent is listening, not typing
CHECK_S = 0.25
EVERY_S = 60.0
ACTIVITY = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class IdleCollector:
    """Runs ``gc.collect()`` on ``app``'s thread when the desk has gone idle after activity."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, idle_s: float = IDLE_S):
        self.clock = clock
        self.idle_s = idle_s
        self.last_activity = self.last_pass = clock()
        self.activity = 0  # input events seen
        self.passes = 0  # full passes made
        self._collected_at = 0  # ``activity`` at the last pass

    def start(self, app: App) -> None:
        """Check every :data:`CHECK_S` seconds while ``app`` runs."""
        app.set_interval(CHECK_S, self.check)

    def touch(self, event: events.Event) -> None:
        """Note a key, click or scroll."""
        if isinstance(event, ACTIVITY):
            self.last_activity = self.clock()
            self.activity += 1

    def check(self) -> bool:
        """Collect now if the desk is idle and something happened since the last pass."""
        now = self.clock()
        if now - self.last_activity < self.idle_s:
            return False
        if self.activity == self._collected_at and now - self.last_pass < EVERY_S:
            return False
        if not gc.isenabled():  # paused on purpose (a borrower view being painted): not now
            return False
        gc.collect()
        self._collected_at, self.last_pass = self.activity, self.clock()
        self.passes += 1
        return True
