"""Make docs/desk.svg, the README's picture of the desk, from the real app.

Builds a demo cache (reference core, in-process, synced through the real sync client) or reuses
the one given with ``--db``, picks a borrower who shows off the unified view (late, flagged,
several contacts), opens it headless at 140×45 with a fixed clock and saves the screen as SVG.

    uv run python scripts/screenshot.py                # from a fresh 300-borrower demo
    uv run python scripts/screenshot.py --db demo.db   # reuse (or create) that cache
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from rich.cells import cell_len

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "desk.svg"
SIZE = (140, 45)
NOW = datetime.fromisoformat("2026-11-27T10:00:00+08:00")
AS_OF = date(2026, 11, 27)
BORROWERS, SEED = 300, 7

_TEXT = re.compile(r'(<text [^>]*?textLength=")([\d.]+)("[^>]*>)([^<]+)(</text>)')


def build_cache(path: Path) -> None:
    """Sync a fresh demo core (in-process, no port) into the cache at ``path``."""
    import httpx

    from workbench.core import create_app
    from workbench.sync.client import make_client
    from workbench.sync.pull import pull

    async def run(store: Path) -> None:
        app = create_app(store, borrowers=BORROWERS, seed=SEED, as_of=AS_OF)
        transport = httpx.ASGITransport(app=app)
        async with make_client("http://core.demo", transport=transport) as client:
            await pull(path, client)

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp) / "core.db"))


def pick_borrower(path: Path) -> str:
    """A borrower worth a picture: late but not hopeless, flagged, with a real history."""
    from workbench.store.db import connect
    from workbench.store.queries import borrower_view

    def score(view) -> tuple:
        bucket_score = {"M1": 3, "M2": 4, "M3": 3, "M4+": 1}.get(view.worst_bucket, 0)
        history = 2 if 15 <= view.interaction_count <= 400 else 0
        return (
            bucket_score
            + history
            + min(len(view.borrower.flags), 2)
            + (1 if any(lv.vehicle for lv in view.loans) else 0)
            + (1 if view.promises or view.escalations or view.callbacks else 0),
            -int(view.borrower.id[1:]),
        )

    conn = connect(path, readonly=True)
    try:
        views = (borrower_view(conn, f"B{i:06d}", AS_OF) for i in range(1, BORROWERS + 1))
        return max((v for v in views if v is not None), key=score).borrower.id
    finally:
        conn.close()


def fix_wide_text(svg: str) -> str:
    """Give each text run the width of its terminal cells, not of its characters.

    The exporter sizes a run as ``len(text)`` cells, which squeezes every Chinese character
    (two cells wide) into one; browsers then draw it half-width and overlapping.
    """

    def widen(match: re.Match[str]) -> str:
        text = html.unescape(match.group(4))
        cell_width = float(match.group(2)) / len(text)
        head, _, mid, body, tail = match.groups()
        return f"{head}{cell_width * cell_len(text):g}{mid}{body}{tail}"

    return _TEXT.sub(widen, svg)


async def shoot(path: Path, borrower_id: str, out: Path) -> float:
    """Open ``borrower_id`` in the real app and save the screen; return seconds to first frame."""
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.borrower import BorrowerScreen

    app = WorkbenchApp(path, clock=lambda: NOW, lang="zh")
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first_frame = time.perf_counter() - started
        app.open_borrower(borrower_id)
        deadline = time.monotonic() + 30
        while not (isinstance(app.screen, BorrowerScreen) and app.screen.is_ready):
            if time.monotonic() > deadline:
                raise SystemExit("the borrower view did not open within 30 s")
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(fix_wide_text(app.export_screenshot()), encoding="utf-8")
    return first_frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="cache to reuse (built first if missing)")
    parser.add_argument("--borrower", help="borrower id to show (default: picked)")
    parser.add_argument("--out", type=Path, default=OUT, help="SVG to write")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "demo.db"
        if not path.exists():
            print(f"building a {BORROWERS}-borrower demo cache at {path} …", file=sys.stderr)
            build_cache(path)
        borrower_id = args.borrower or pick_borrower(path)
        first_frame = asyncio.run(shoot(path, borrower_id, args.out))
    print(f"{args.out}: borrower {borrower_id}, first frame after {first_frame * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
