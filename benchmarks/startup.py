"""Desk start-up and desk memory, each measured on a fresh process.

``python -m benchmarks.startup desk CACHE`` and ``python -m benchmarks.startup minimal`` start
an app headless and write ``frame`` to stdout at its first interactive frame (the default
screen painted with a widget focused), then exit. The parent times spawn → that line, so the
figure covers interpreter start, imports, app set-up and the first paint; the floor is a
minimal Textual app (Header, DataTable, Footer) started exactly the same way.

``python -m benchmarks.startup session CACHE HEAVY_ID ID…`` drives the desk through a working
session (searches, borrowers opened, the 10,000-interaction history scrolled end to end) and
writes its peak resident memory (``VmHWM``) in MB.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SIZE = (140, 45)
FAILURES: list[str] = []
"""Sessions that failed once and were run again (the run reports them)."""


def first_frame(kind: str, cache: Path | None = None) -> tuple[float, float]:
    """(seconds from spawning ``kind`` — ``desk`` or ``minimal`` — to its first interactive
    frame, peak MB of that process)."""
    command = [sys.executable, "-m", "benchmarks.startup", kind]
    if cache is not None:
        command.append(str(cache))
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=_project_root())
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    rest = child.stdout.read()
    child.wait(timeout=60)
    if line.strip() != b"frame" or not rest.strip():
        raise RuntimeError(f"{kind} start-up probe failed (exit {child.returncode})")
    return elapsed, float(rest.split()[-1])


@dataclass
class Startups:
    """Start-up seconds and peak MB of the desk and of the minimal app, run by run."""

    desk_s: list[float] = field(default_factory=list)
    minimal_s: list[float] = field(default_factory=list)
    minimal_mb: list[float] = field(default_factory=list)


def startup_rounds(cache: Path, repeats: int, *, warm: bool = True) -> Startups:
    """The desk and the minimal app started ``repeats`` times each, interleaved (after one
    unmeasured start of each when ``warm``: the first start pays for cold file caches)."""
    if warm:
        first_frame("minimal")
        first_frame("desk", cache)
    out = Startups()
    for _ in range(repeats):
        out.desk_s.append(first_frame("desk", cache)[0])
        seconds, peak = first_frame("minimal")
        out.minimal_s.append(seconds)
        out.minimal_mb.append(peak)
    return out


def session_peak_mb(
    cache: Path, heavy_id: str, borrower_ids: list[str], queries: list[str]
) -> float:
    """Peak resident memory (MB) of a desk process through a working session."""
    command = [sys.executable, "-m", "benchmarks.startup", "session", str(cache), heavy_id]
    command += [*borrower_ids, "--", *queries]
    for attempt in (1, 2, 3):  # see benchmarks.desk.run: the app can fail on its own
        out = subprocess.run(
            command, capture_output=True, cwd=_project_root(), timeout=1800, check=False
        )
        lines = out.stdout.decode().split()
        if out.returncode == 0 and lines:
            return float(lines[-1])
        if attempt == 3:
            raise RuntimeError(f"desk session failed: {out.stderr.decode()[-2000:]}")
        FAILURES.append(f"desk session: {out.stderr.decode().strip().splitlines()[-1:]}")
    raise AssertionError("unreachable")


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent


# -- in the child ------------------------------------------------------------------------


def peak_mb() -> float:
    """Peak resident memory of this process in MB: ``VmHWM`` where Linux has it.

    (``ru_maxrss`` of a freshly exec'd child starts at its parent's peak on Linux, so it would
    report the benchmark's own size, not the desk's.)
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _say(text: str) -> None:
    os.write(1, (text + "\n").encode())


def _first_frame_app(kind: str, cache: str | None):
    """An app of ``kind`` that reports its first interactive frame and exits."""
    if kind == "desk":
        from workbench.ui.app import WorkbenchApp as Base
    else:
        from textual.app import App as Base

    class Probe(Base):
        reported = False

        def compose(self):
            if kind == "desk":
                yield from super().compose()
                return
            from textual.widgets import DataTable, Footer, Header

            yield Header()
            yield DataTable()
            yield Footer()

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            interactive = self.focused is not None and screen is self.screen
            if renderable is not None and interactive and not self.reported:
                self.reported = True
                _say("frame")
                self.exit()

    return Probe(cache) if kind == "desk" else Probe()


async def _session(cache: str, heavy_id: str, ids: list[str], queries: list[str]) -> None:
    from benchmarks.desk import TimedApp
    from workbench.ui.screens.borrower import BorrowerScreen

    app = TimedApp(Path(cache))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        for query in queries:
            await pilot.press(*query)
            await _settle(app, pilot)
            app.screen.action_clear_search()
        for bid in [heavy_id, *ids]:
            app.open_borrower(bid)
            await _until(lambda: isinstance(app.screen, BorrowerScreen) and app.screen.is_ready)
            await _settle(app, pilot)
            if bid == heavy_id:
                for key in ("end", "home", "pagedown", "pagedown", "end"):
                    await pilot.press(key)
                    await _settle(app, pilot)
            app.back_to_search()
            await _settle(app, pilot)


async def _settle(app, pilot) -> None:
    from benchmarks.desk import drain

    await asyncio.sleep(0.2)  # longer than the desk's search debounce
    await drain(app)
    await pilot.pause()


async def _until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the desk did not get there")
        await asyncio.sleep(0.005)


def main(argv: list[str]) -> None:
    """The child's entry point (see the module docstring)."""
    kind = argv[0]
    if kind in ("desk", "minimal"):
        app = _first_frame_app(kind, argv[1] if len(argv) > 1 else None)
        app.run(headless=True, size=SIZE)
        _say(f"{peak_mb():.1f}")
        return
    if kind == "session":
        cache, heavy_id, rest = argv[1], argv[2], argv[3:]
        split = rest.index("--") if "--" in rest else len(rest)
        asyncio.run(_session(cache, heavy_id, rest[:split], rest[split + 1 :]))
        _say(f"{peak_mb():.1f}")
        return
    raise SystemExit(f"unknown probe {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
