"""Build (once) the core store and the synced cache a benchmark scale runs against.

For each scale, under the cache root (``benchmarks/.cache/`` or ``$WORKBENCH_BENCH_CACHE``):

1. ``core.db`` — the reference core's demo portfolio, made by ``build_portfolio`` (the same
   generator ``workbench core serve`` uses), seed 7, as of 2026-11-27;
2. the heaviest generated borrower topped up to :data:`HEAVY_INTERACTIONS` interactions through
   ``CoreStore.upsert_many`` (more contacts, same shape, older dates), so the view of a borrower
   with 10,000 interactions can be measured;
3. ``cache.db`` — the agent's cache, filled by the real sync path: ``workbench.sync.pull`` over
   HTTP from that core served by uvicorn on 127.0.0.1 (``benchmarks.core_server``).

Every step resumes where an interrupted build stopped (a pull continues from its cursor);
``built.json`` is written last, with what each step cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.core_server import served_core
from workbench.core.demo import (
    DEFAULT_AS_OF,
    GENERATOR_VERSION,
    PortfolioGenerator,
    heavy_borrowers,
)
from workbench.core.portfolio import build_portfolio
from workbench.core.storage import CoreStore
from workbench.store.db import connect
from workbench.sync.pull import pull_from

SCALES = {"tiny": 300, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SEED = 7
AS_OF = DEFAULT_AS_OF
HEAVY_INTERACTIONS = 10_000
ENV_ROOT = "WORKBENCH_BENCH_CACHE"
_HEAVY_META = "benchmark_heavy_borrower"

Log = Callable[[str], None]


def log_stderr(message: str) -> None:
    """Progress lines go to stderr, so ``--json`` output stays clean."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Built:
    """Where a scale's files are and what building them cost."""

    scale: str
    borrowers: int
    folder: Path
    core: Path
    cache: Path
    heavy_id: str
    facts: dict[str, Any]


def cache_root() -> Path:
    """``$WORKBENCH_BENCH_CACHE`` or ``benchmarks/.cache`` (git-ignored)."""
    return Path(os.environ.get(ENV_ROOT) or Path(__file__).with_name(".cache"))


def scale_folder(scale: str, root: Path | None = None) -> Path:
    """The folder of one scale; its name changes with the generator version."""
    return (root or cache_root()) / f"{scale}-seed{SEED}-gen{GENERATOR_VERSION}"


def ensure_built(scale: str, *, root: Path | None = None, log: Log = log_stderr) -> Built:
    """The scale's core store and synced cache, built first where missing."""
    borrowers = SCALES[scale]
    folder = scale_folder(scale, root)
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "built.json"
    core, cache = folder / "core.db", folder / "cache.db"
    if done.exists() and core.exists() and cache.exists():
        facts = json.loads(done.read_text())
        connect(cache).close()  # a newer workbench migrates the kept cache first
        return Built(scale, borrowers, folder, core, cache, facts["heavy_id"], facts)
    facts: dict[str, Any] = {"borrowers": borrowers, "seed": SEED, "as_of": AS_OF.isoformat()}
    if done.exists():
        facts = json.loads(done.read_text())
    if not core.exists():
        for leftover in (cache, *_sidecars(cache)):
            leftover.unlink(missing_ok=True)  # a cache of another core cannot be resumed
        facts["generate"] = generate_core(core, borrowers, log)
    facts["heavy_id"] = top_up_heaviest(core, borrowers, log)
    facts["sync"] = sync_cache(core, cache, borrowers, log)
    done.write_text(json.dumps(facts, indent=2))
    return Built(scale, borrowers, folder, core, cache, facts["heavy_id"], facts)


def generate_core(core: Path, borrowers: int, log: Log) -> dict[str, Any]:
    """Generate the demo portfolio into ``core`` with the reference core's generator."""
    log(f"generating {borrowers:,} borrowers into {core} …")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= 10 or done == total:
            last[0] = time.monotonic()
            log(f"  generated {done:,}/{total:,} borrowers")

    result = build_portfolio(core, borrowers, SEED, AS_OF, progress=progress)
    log(f"  {result['seconds']:.0f} s, {result['borrowers_per_s']:,} borrowers/s")
    return {"seconds": result["seconds"], "records": result["cursor"], "bytes": result["bytes"]}


def top_up_heaviest(core: Path, borrowers: int, log: Log) -> str:
    """Give the heaviest generated borrower :data:`HEAVY_INTERACTIONS` interactions; its id."""
    store = CoreStore.open(core)
    try:
        known = store.get_meta(_HEAVY_META)
        if known:
            return known["borrower_id"]
        gen = PortfolioGenerator(borrowers, SEED, AS_OF)
        histories = {
            index: [d for e, _, d in gen.borrower(index) if e == "interaction"]
            for index in sorted(heavy_borrowers(borrowers, SEED))
        }
        index = max(histories, key=lambda i: (len(histories[i]), -i))
        extra = more_interactions(histories[index], HEAVY_INTERACTIONS)
        store.upsert_many(("interaction", d["id"], d) for d in extra)
        borrower_id = f"B{index:06d}"
        store.set_meta(_HEAVY_META, {"borrower_id": borrower_id, "added": len(extra)})
        log(f"topped up {borrower_id} with {len(extra):,} interactions")
        return borrower_id
    finally:
        store.close()


def more_interactions(history: list[dict[str, Any]], wanted: int) -> list[dict[str, Any]]:
    """Copies of ``history`` (new ids, each round a week older) up to ``wanted`` in all."""
    if not history:
        raise ValueError("the heaviest borrower has no interactions to copy")
    extra = []
    for n in range(wanted - len(history)):
        template = history[n % len(history)]
        weeks = n // len(history) + 1
        extra.append(
            template
            | {
                "id": f"{template['id']}-x{n:05d}",
                "started_at": _weeks_earlier(template["started_at"], weeks),
            }
        )
    return extra


def _weeks_earlier(stamp: str, weeks: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") - timedelta(weeks=weeks)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sync_cache(core: Path, cache: Path, borrowers: int, log: Log) -> dict[str, Any]:
    """Pull the whole feed of ``core`` into ``cache`` over HTTP (resuming a partial cache)."""
    log(f"syncing {core.name} into {cache} over HTTP (uvicorn on 127.0.0.1) …")
    last = [time.monotonic()]

    def progress(done: int, total: int | None) -> None:
        if time.monotonic() - last[0] >= 15:
            last[0] = time.monotonic()
            rate = done / max(time.perf_counter() - started, 1e-9)
            of = f"/{total:,}" if total else ""
            log(f"  applied {done:,}{of} records ({rate:,.0f}/s)")

    with served_core(core, borrowers=borrowers, seed=SEED, as_of=AS_OF) as url:
        cpu0 = _cpu_seconds()
        started = time.perf_counter()
        result = asyncio.run(pull_from(cache, url, progress=progress))
        wall = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu0
    log(f"  {result.applied:,} records in {wall:.0f} s ({result.applied / wall:,.0f}/s)")
    return {
        "records": result.applied,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "records_per_s": round(result.applied / wall) if wall else None,
        "resumed": result.total_estimate is None,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def main() -> None:
    """``python -m benchmarks.build SCALE``: build a scale's files without measuring."""
    scale = sys.argv[1] if len(sys.argv) > 1 else "10k"
    built = ensure_built(scale)
    log_stderr(json.dumps(built.facts, indent=2))


if __name__ == "__main__":
    main()
