"""The collector's full passes happen while the agent is idle, not on a keystroke."""

from __future__ import annotations

import gc

from desk_pilot import run_desk, wait_for
from textual import events

from workbench.ui import idle_gc
from workbench.ui.idle_gc import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def full_passes(run) -> int:
    """How many generation-2 collections ``run()`` made (seen by the collector itself)."""
    seen: list[int] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    gc.callbacks.append(on_gc)
    try:
        run()
    finally:
        gc.callbacks.remove(on_gc)
    return len(seen)


def test_a_full_pass_waits_for_a_second_without_keys_and_comes_once() -> None:
    clock = Clock()
    collector = IdleCollector(clock)
    collector.touch(events.Key("a", "a"))
    clock.now += 0.5  # typing: no pass
    assert full_passes(collector.check) == 0
    clock.now += 0.6
    assert full_passes(collector.check) == 1 and collector.passes == 1
    clock.now += 5  # still idle, nothing happened since: no second pass
    assert full_passes(collector.check) == 0
    collector.touch(events.Resize(None, None))  # not the agent's doing
    clock.now += 5
    assert full_passes(collector.check) == 0
    clock.now += idle_gc.EVERY_S  # a long quiet spell: one pass for what the panes made
    assert full_passes(collector.check) == 1
    collector.touch(events.Key("b", "b"))
    clock.now += 2
    gc.disable()  # paused on purpose (a borrower view being painted): not now
    try:
        assert full_passes(collector.check) == 0
    finally:
        gc.enable()
    assert full_passes(collector.check) == 1


async def test_the_desk_counts_keys_and_collects_once_idle(demo_cache) -> None:
    async with run_desk(demo_cache) as pilot:
        collector = pilot.app.idle_collector
        before = collector.activity
        await pilot.press("z", "w")
        assert collector.activity >= before + 2
        passes = collector.passes
        collector.last_activity -= idle_gc.IDLE_S  # as if the agent stopped typing a second ago
        await wait_for(pilot, lambda: collector.passes > passes, what="the idle full pass")
