"""CPU share of the wallboard at 50 queues × 500 agents, one update a second (aim ≤ 10 %).

The simulated ACD (``workbench.core.acd``) runs a busy floor: 500 scripted agents, each
working 4 of 50 queues, calls arriving fast enough to keep them busy (the rate a floor of
500 sustains at 150 s talk + 30 s after-call work, plus 10 % that abandon). Every simulated
second, what the core's wallboard does is timed: take that second's call and agent events
(``domain.wallboard.Board.apply``), compute the changed rows and agents, evaluate the alerts,
and the ``queue.stats`` payload; and what the desk does with it (``WallboardState``). The ACD
itself is not counted (it is the call centre, not the wallboard).

    uv run python benchmarks/wallboard.py [--seconds 600] [--queues 50] [--agents 500]

Prints one JSON object: CPU seconds per simulated second for the core's part, the desk's
state part, both together (= the share of one core), events per second, and the figures of the
last update (so a run can be checked for sense).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from workbench.core.acd import Acd
from workbench.core.acd_model import AcdConfig
from workbench.domain.alerts import AlertBook, evaluate
from workbench.domain.metrics import QueueConfig
from workbench.domain.wallboard import Board, iso_z
from workbench.ui.wallboard_state import WallboardState

T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def floor(queues: int, agents: int, seed: int = 1) -> tuple[list[str], list[dict[str, Any]]]:
    """Queue ids and agent records (each agent works 4 queues)."""
    rng = Random(seed)
    qids = [f"q{n:02d}" for n in range(queues)]
    records = [
        {"id": f"A{n:04d}", "role": "agent", "queues": rng.sample(qids, min(4, queues))}
        for n in range(agents)
    ]
    return qids, records


def measure(
    seconds: int = 600,
    queues: int = 50,
    agents: int = 500,
    warmup: int = 900,
    *,
    every_agent: bool = True,
    keep: list[str] | None = None,
) -> dict:
    """Run the floor for ``warmup`` + ``seconds`` simulated seconds; time the last ``seconds``.

    ``every_agent``: on top of the floor's own events, every agent reports its state every
    second (500 ``agent.state`` events a second: the "500 agents × 1 update/s" worst case,
    every agent row sent to the desk every second)."""
    qids, records = floor(queues, agents)
    rate = agents / 180 * 60 * 1.1  # calls a minute a floor this size answers, +10 %
    events: list[tuple[str, dict[str, Any]]] = []
    config = AcdConfig(
        call_rate=rate,
        colleagues=agents,
        humans=(),
        queue_weights=dict.fromkeys(qids, 1.0),
        break_share=0.02,
        patience_s=90,
        seed=3,
    )
    acd = Acd(
        config,
        queues=dict.fromkeys(qids, True),
        agents=records,
        start=T0,
        publish=lambda kind, data: events.append((kind, data)),
    )
    board = Board({q: QueueConfig() for q in qids}, {r["id"]: r["queues"] for r in records})
    alerts, desk = AlertBook(), WallboardState()
    core_cpu = desk_cpu = 0.0
    count = 0
    stats: dict[str, Any] = {}
    for second in range(warmup + seconds):
        now = T0 + timedelta(seconds=second + 1)
        acd.advance(now)
        batch, events[:] = list(events), []
        if every_agent:
            batch += [("agent.state", _status(slot)) for slot in acd.agents.values()]
        timed = second >= warmup
        started = time.process_time()
        for kind, data in batch:
            board.apply(kind, data)
        stats = {"as_of": iso_z(now), "rows": board.changed(now)}
        stats["agents"] = board.changed_agents(now)
        rows = [r.as_dict() for r in board.rows(now)]
        raised, cleared = alerts.update(evaluate(rows, [], now), iso_z(now))
        if raised or cleared:
            stats["alerts"] = [a.as_dict() for a in alerts.current()]
        if second % 60 == 0:
            board.sample(now)
            stats["trend"] = [list(board.trend[-1])]
        payload = json.dumps(stats)
        if keep is not None and timed:
            keep.append(payload)
        middle = time.process_time()
        if second == 0:
            desk.take_snapshot({"queues": rows[:-1], "total": rows[-1]})
        desk.take_stats(json.loads(payload))
        desk.rows()
        ended = time.process_time()
        if timed:
            core_cpu += middle - started
            desk_cpu += ended - middle
            count += len(batch)
    total = board.row("*", T0 + timedelta(seconds=warmup + seconds))
    return {
        "queues": queues,
        "agents": agents,
        "simulated_s": seconds,
        "every_agent_every_second": every_agent,
        "events_per_s": round(count / seconds, 1),
        "core_cpu_share_pct": round(core_cpu / seconds * 100, 2),
        "desk_state_cpu_share_pct": round(desk_cpu / seconds * 100, 2),
        "cpu_share_pct": round((core_cpu + desk_cpu) / seconds * 100, 2),
        "aim_pct": 10,
        "last": {
            "offered": total.figures.offered,
            "answered": total.figures.answered,
            "abandoned": total.figures.abandoned,
            "service_level": total.figures.service_level,
            "waiting": total.waiting,
            "on_call": total.on_call,
            "rows_in_last_update": len(stats.get("rows", [])),
        },
    }


def measure_desk(seconds: int = 30, queues: int = 50, agents: int = 500) -> dict:
    """The supervisor view itself (Textual, headless) fed one ``queue.stats`` a second of the
    storm above, in real time: CPU seconds of this process per wall second."""
    import asyncio
    import threading

    from textual.app import App

    from workbench.ui.screens.supervisor import SupervisorScreen

    payloads: list[str] = []
    measure(seconds, queues, agents, warmup=300, keep=payloads)
    qids, records = floor(queues, agents)
    board = Board({q: QueueConfig() for q in qids}, {r["id"]: r["queues"] for r in records})
    rows = [r.as_dict() for r in board.rows(T0)]
    snapshot = {"queues": rows[:-1], "total": rows[-1], "agents": board.agent_rows(T0)}

    class Feed:
        def __init__(self, on_update) -> None:
            self.on_update, self.stop_event = on_update, threading.Event()

        def start(self) -> None:
            threading.Thread(target=self.run, daemon=True).start()

        def run(self) -> None:
            self.on_update("snapshot", snapshot)
            for payload in payloads:
                if self.stop_event.wait(1.0):
                    return
                self.on_update("stats", json.loads(payload))

        def stop(self, timeout: float = 0) -> None:
            self.stop_event.set()

    class BoardApp(App[None]):
        wallboard_feed = Feed

        def on_mount(self) -> None:
            self.push_screen(SupervisorScreen())

    async def run() -> tuple[float, float, int]:
        app = BoardApp()
        async with app.run_test(size=(200, 60)) as pilot:
            await pilot.pause(2.0)  # the snapshot drawn
            cpu, wall = time.process_time(), time.monotonic()
            await asyncio.sleep(seconds)
            updates = app.screen.updates
            return time.process_time() - cpu, time.monotonic() - wall, updates

    cpu, wall, updates = asyncio.run(run())
    return {
        "desk_view_seconds": round(wall, 1),
        "desk_view_updates": updates,
        "desk_view_cpu_share_pct": round(cpu / wall * 100, 2),
    }


def _status(slot) -> dict[str, Any]:
    from workbench.domain.calls import agent_to_json

    return agent_to_json(slot.status())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=900)
    parser.add_argument("--desk", type=int, default=0, help="also run the view for N s")
    parser.add_argument(
        "--floor-only", action="store_true", help="only the floor's own events (no storm)"
    )
    args = parser.parse_args()
    result = measure(
        args.seconds, args.queues, args.agents, args.warmup, every_agent=not args.floor_only
    )
    if args.desk:
        result |= measure_desk(args.desk, args.queues, args.agents)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
