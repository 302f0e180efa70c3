"""``uv run python -m benchmarks.run --scale 10k|100k|1m [--json]``: the desk's numbers.

Builds the scale's core store and cache first when they are missing (``benchmarks.build``;
kept between runs), measures every figure of the table with its floor in this same run, prints
the table (Markdown) with the aims and a pass/SHORT mark each, and keeps the results as
``results-<scale>.json`` beside the caches (the 10k results are what the 1m lookups' growth is
compared with). ``--scale tiny`` (300 borrowers, few repetitions) exists for the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import build, desk, reads, startup, syncfigs
from benchmarks.core_server import served_core
from benchmarks.stats import Latency, Row, time_each
from benchmarks.table import (
    CACHE_SIZE,
    GROWTH,
    HEAVY_PAINT,
    INCREMENTAL,
    INITIAL_SYNC,
    KEYSTROKE,
    LOOKUP_LABELS,
    MEMORY,
    STARTUP,
    VIEW_P99,
    machine,
    render,
)
from workbench.store.cache_files import compact, files_size
from workbench.store.db import CacheError, connect
from workbench.store.queries import lookup


@dataclass(frozen=True)
class Plan:
    """How much of each figure a scale measures."""

    samples: int  # lookups / views per kind and round
    rounds: int
    renders: int  # random borrowers opened in the app
    heavy_renders: int
    typed: int  # queries typed key by key
    startups: int
    incrementals: int
    syncs: int
    session_borrowers: int  # borrowers opened in the memory session
    session_queries: int


PLANS = {
    "tiny": Plan(samples=15, rounds=2, renders=2, heavy_renders=1, typed=1, startups=1,
                 incrementals=2, syncs=1, session_borrowers=2, session_queries=1),
    "full": Plan(samples=200, rounds=3, renders=30, heavy_renders=10, typed=14, startups=5,
                 incrementals=5, syncs=3, session_borrowers=20, session_queries=7),
}  # fmt: skip


SECTIONS = ("lookups", "view", "desk", "process", "size", "initial", "incremental")
"""Groups of rows ``--only`` can pick (the desk's floors are the view's, so desk brings view)."""


def measure(
    scale: str,
    *,
    root: Path | None = None,
    log=build.log_stderr,
    only: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Build if needed, measure everything (or the ``only`` sections), return the results
    (rows and facts). A partial run is not kept as the scale's results."""
    built = build.ensure_built(scale, root=root, log=log)
    plan = PLANS["tiny" if scale == "tiny" else "full"]
    wanted = set(SECTIONS if only is None else only) | (
        {"view"} if only and "desk" in only else set()
    )
    began = time.perf_counter()
    facts: dict[str, Any] = {"scale": scale, "borrowers": built.borrowers, "machine": machine()}
    rows: list[Row] = []
    if "lookups" in wanted:
        log("measuring lookups …")
        rows += lookup_rows(built, plan, _previous(scale, root))
    if "view" in wanted:
        log("measuring the unified view …")
        view_rows, assembly = view_rows_of(built, plan)
        rows += view_rows
    if "desk" in wanted:
        log("measuring the desk (render, keystrokes) …")
        rows += desk_rows(built, plan, assembly)
    if "process" in wanted:
        log("measuring start-up and memory …")
        rows += process_rows(built, plan)
    if "size" in wanted:
        rows.append(size_row(built))  # before this run's incremental changes add to it
    if wanted & {"initial", "incremental"}:
        log("measuring sync …")
        rows += sync_rows(built, plan, root, "initial" in wanted, "incremental" in wanted)
    facts["build"] = built.facts
    facts["app_failures"] = [*desk.FAILURES, *startup.FAILURES]
    facts["waits_without_repaint"] = len(desk.NO_REPAINT)
    facts["seconds"] = round(time.perf_counter() - began, 1)
    facts["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {**facts, "rows": [row.as_dict() for row in rows], "_rows": rows}
    if only is None:
        _save(scale, root, result)
    return result


def lookup_rows(built: build.Built, plan: Plan, previous: dict | None) -> list[Row]:
    """One row per lookup kind (floor: a borrower by primary key), and the growth vs 10k."""
    kinds, floor, hits = reads.measure_lookups(
        built.cache, built.borrowers, samples=plan.samples, rounds=plan.rounds, as_of=build.AS_OF
    )
    rows = [Row("floor: borrower by primary key", "ms", latency=floor)]
    for kind, latency in kinds.items():
        name, aim = LOOKUP_LABELS[kind]
        rows.append(
            Row(name, "ms", latency=latency, floor=floor, floor_name="PK", aim=aim,
                extra={"mean_hits": round(hits.get(kind, 0), 1)})
        )  # fmt: skip
    if previous and built.scale not in ("10k", "tiny"):
        before = {r["name"]: r["latency_ms"]["p99"] for r in previous["rows"] if r["latency_ms"]}
        growth = {
            LOOKUP_LABELS[k][0]: kinds[k].p99 / before[LOOKUP_LABELS[k][0]]
            for k in kinds
            if before.get(LOOKUP_LABELS[k][0])
        }
        if growth:
            worst = max(growth, key=growth.get)
            note = ", ".join(f"{n.split(': ')[1]} {g:.2f}×" for n, g in growth.items())
            rows.append(
                Row("lookup p99 growth vs 10k (worst kind)", "×", value=growth[worst],
                    aim=GROWTH, note=f"worst: {worst}; all: {note}")
            )  # fmt: skip
    return rows


def view_rows_of(built: build.Built, plan: Plan) -> tuple[list[Row], tuple[Latency, Latency]]:
    """Unified view assembly for random borrowers and for the 10,000-interaction one."""
    cpu: list[float] = []
    random_view, heavy_view, floor = reads.measure_views(
        built.cache, built.borrowers, built.heavy_id,
        samples=plan.samples, rounds=plan.rounds, as_of=build.AS_OF, cpu=cpu,
    )  # fmt: skip
    on_cpu = Latency.of(cpu)
    rows = [
        Row("view assembly: random borrower", "ms", latency=random_view, floor=floor,
            floor_name="PK", aim=VIEW_P99,
            note=f"CPU time of the same samples: median {on_cpu.median:.2f} ms, "
            f"p99 {on_cpu.p99:.2f} ms"),
        Row("view assembly: 10,000 interactions", "ms", latency=heavy_view, floor=floor,
            floor_name="PK"),
    ]  # fmt: skip
    return rows, (random_view, heavy_view)


def desk_rows(built: build.Built, plan: Plan, assembly: tuple[Latency, Latency]) -> list[Row]:
    """Borrower chosen → view painted; keystroke → results painted (real app, headless)."""
    ids = reads.borrower_ids(built.borrowers, plan.renders, seed=3)
    heavy_ids = [built.heavy_id] * plan.heavy_renders
    queries = typed_queries(built, plan.typed)
    random_s, heavy_s, typed_s = desk.run(desk.desk_figures, built.cache, ids, heavy_ids, queries)
    floor = direct_lookups(built.cache, queries)
    return [
        Row("render: random borrower, chosen → painted", "ms", latency=Latency.of(random_s),
            floor=assembly[0], floor_name="assembly"),
        Row("render: 10,000 interactions, chosen → painted", "ms",
            latency=Latency.of(heavy_s), floor=assembly[1], floor_name="assembly",
            aim=HEAVY_PAINT),
        Row("keystroke → results painted", "ms", latency=Latency.of(typed_s), floor=floor,
            floor_name="lookup", aim=KEYSTROKE,
            note=f"{len(typed_s)} keystrokes of {len(queries)} queries typed one key at a time; "
            "floor: store.lookup of the same texts"),
    ]  # fmt: skip


def typed_queries(built: build.Built, count: int) -> list[str]:
    """What agents type: phones, last 4, names, pinyin, plates, contract numbers."""
    conn = connect(built.cache, readonly=True)
    try:
        ids = reads.borrower_ids(built.borrowers, count, seed=4)
        probes = reads.probes_for(conn, ids, build.AS_OF)
    finally:
        conn.close()
    kinds = ("phone", "name_cjk2", "pinyin", "phone_last4", "plate", "contract", "id_last6")
    out = []
    for n, probe in enumerate(probes):
        kind = kinds[n % len(kinds)]
        if kind in probe.queries:  # a plate is typed without its dot: 苏ED27624
            out.append(probe.queries[kind].replace("·", ""))
    return out


def direct_lookups(cache: Path, queries: list[str]) -> Latency:
    """The store's own time for every prefix typed (the keystroke's floor)."""
    prefixes = [q[:n] for q in queries for n in range(1, len(q) + 1)]
    conn = connect(cache, readonly=True)
    try:
        limit = reads.RESULT_LIMIT
        return Latency.of(
            time_each(lambda q: lookup(conn, q, limit=limit, as_of=build.AS_OF), prefixes)
        )
    finally:
        conn.close()


def process_rows(built: build.Built, plan: Plan) -> list[Row]:
    """Desk start-up against a minimal Textual app; the desk's peak memory in a session."""
    runs = startup.startup_rounds(built.cache, plan.startups, warm=plan.startups > 1)
    ids = reads.borrower_ids(built.borrowers, plan.session_borrowers, seed=5)
    queries = typed_queries(built, plan.session_queries)
    peak = startup.session_peak_mb(built.cache, built.heavy_id, ids, queries)
    return [
        Row("desk start-up → first interactive frame", "ms",
            latency=Latency.of(runs.desk_s), floor=Latency.of(runs.minimal_s),
            floor_name="Header+DataTable+Footer app", aim=STARTUP,
            note=f"fresh processes, {len(runs.desk_s)} runs each, interleaved"),
        Row("desk peak memory (VmHWM)", "MB", value=peak, aim=MEMORY,
            floor=statistics.median(runs.minimal_mb), floor_name="minimal app",
            note=f"{len(queries)} searches, {len(ids)} borrowers opened, the 10,000-interaction "
            "history scrolled end to end"),
    ]  # fmt: skip


def sync_rows(
    built: build.Built, plan: Plan, root: Path | None, initial: bool = True, changes: bool = True
) -> list[Row]:
    """Initial sync rate against its floor; 1,000 incremental changes in one pull."""
    rows: list[Row] = []
    with served_core(built.core, borrowers=built.borrowers, seed=build.SEED) as url:
        if initial:
            rows += initial_rows(built, plan, root, url)
        if changes:
            cpu: list[tuple[float, float | None]] = []
            storing: list[tuple[float, float]] = []
            seconds = syncfigs.incremental(
                url, built.core, built.cache, built.borrowers, plan.incrementals,
                first_round=int(time.time()) % 100_000, cpu=cpu, storing=storing,
            )  # fmt: skip
            rows.append(
                Row("1,000 incremental changes, one pull", "ms", latency=Latency.of(seconds),
                    aim=INCREMENTAL, note=f"{len(seconds)} pulls over HTTP on loopback; "
                    + _pull_cpu_note(cpu))
            )  # fmt: skip
            if storing:  # the client's own part of the same pulls (the rest: core, network)
                rows.append(
                    Row("  of which the client storing the page", "ms",
                        latency=Latency.of([wall for wall, _ in storing]),
                        note="decode, check, write, commit (PullResult.storing); median CPU "
                        f"time {statistics.median(c for _, c in storing) * 1000:.0f} ms")
                )  # fmt: skip
    return rows


def _pull_cpu_note(cpu: list[tuple[float, float | None]]) -> str:
    """Median CPU time of the pulling process and its time waiting for a CPU, per pull."""
    note = f"median CPU time {statistics.median(c for c, _ in cpu) * 1000:.0f} ms"
    waits = [w for _, w in cpu if w is not None]
    if waits:
        note += f", waiting for a CPU {statistics.median(waits) * 1000:.0f} ms"
    return note


def initial_rows(built: build.Built, plan: Plan, root: Path | None, url: str) -> list[Row]:
    """Initial sync of the sample core against its floor; the whole cache's first sync."""
    if built.scale == "tiny":  # the tiny core is its own sample, measured by our floor
        sample_n, initial = built.borrowers, syncfigs.initial_sync(url, plan.syncs)
    else:
        sample_n, core = syncfigs.SAMPLE_BORROWERS, sync_sample(root)
        with served_core(core, borrowers=sample_n, seed=build.SEED) as sample_url:
            initial = initial_sync(sample_url, sample_n, plan)
    rows = [
        Row("initial sync (records per CPU-s)", "rec/s", value=initial["sync_records_per_cpu_s"],
            floor=initial["floor_records_per_cpu_s"], floor_name="executemany",
            aim=INITIAL_SYNC,
            note=f"{initial['records']:,} records from a {sample_n:,}-borrower core over "
            "HTTP on loopback; floor: the same decoded records by plain executemany"),
    ]  # fmt: skip
    done = built.facts.get("sync", {})
    if done.get("records") and not done.get("resumed"):
        rows.append(
            Row(f"initial sync of the whole {built.scale} cache (wall)", "rec/s",
                value=done["records_per_s"],
                note=f"{done['records']:,} records in {done['seconds'] / 60:.1f} min "
                f"({done['records'] / max(done['cpu_seconds'], 1e-9):,.0f} per CPU-s), "
                "when the cache was built")
        )  # fmt: skip
    return rows


def initial_sync(url: str, borrowers: int, plan: Plan) -> dict[str, Any]:
    """``benchmarks.sync.measure`` when it exists (the sync issue's own benchmark), else ours."""
    theirs = syncfigs.colleague_measure()
    if theirs is not None:
        with _stdout_to_stderr():  # its sqlite-utils children print to the inherited stdout
            return theirs(borrowers, repeats=plan.syncs, sqlite_utils=False)
    return syncfigs.initial_sync(url, plan.syncs)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr for a while (child processes included)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def sync_sample(root: Path | None) -> Path:
    """The small core every scale's initial-sync figure is measured on (built once)."""
    folder = (root or build.cache_root()) / f"sync-sample-{syncfigs.SAMPLE_BORROWERS}"
    core = folder / "core.db"
    if not core.exists():
        folder.mkdir(parents=True, exist_ok=True)
        build.generate_core(core, syncfigs.SAMPLE_BORROWERS, build.log_stderr)
    return core


def size_row(built: build.Built) -> Row:
    """Bytes on disk per borrower (the cache file and its WAL), compacted.

    A first sync leaves pages full; each change applied afterwards (earlier runs' incremental
    figures included) may split one, so the file grows by runs of this script alone. The aim is
    read on the cache as ``workbench cache compact`` leaves it; the size before is in the note.
    """
    used = files_size(built.cache)
    try:
        used, total = compact(built.cache)
        state = f"compacted; {used / built.borrowers:,.0f} B per borrower before"
    except CacheError as exc:  # another process has it open: measured as it is
        total, state = used, f"not compacted ({exc})"
    note = f"{total / 1e9:.2f} GB for {built.borrowers:,} borrowers ({state})"
    return Row(
        "cache size on disk per borrower",
        "B",
        value=total / built.borrowers,
        aim=CACHE_SIZE,
        note=note,
    )


def _results_path(scale: str, root: Path | None) -> Path:
    return (root or build.cache_root()) / f"results-{scale}.json"


def _previous(scale: str, root: Path | None) -> dict | None:
    path = _results_path("10k", root)
    return json.loads(path.read_text()) if path.exists() and scale != "10k" else None


def _save(scale: str, root: Path | None, result: dict[str, Any]) -> None:
    plain = {k: v for k, v in result.items() if k != "_rows"}
    _results_path(scale, root).write_text(json.dumps(plain, indent=2, ensure_ascii=False))


def title_of(result: dict[str, Any]) -> str:
    """The line above the table: scale, machine, load."""
    m = result["machine"]
    return (
        f"Workbench benchmarks — {result['borrowers']:,} borrowers ({result['scale']}); "
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
        f"SQLite {m['sqlite']}, Textual {m['textual']}; load average {m['load_average'][0]} "
        f"→ {m['load_average_end'][0]}; measured in {result['seconds']:.0f} s"
    )


def _sections(text: str) -> frozenset[str]:
    picked = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = picked - set(SECTIONS)
    if unknown or not picked:
        raise argparse.ArgumentTypeError(f"choose among {', '.join(SECTIONS)}")
    return picked


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--scale", choices=list(build.SCALES), default="10k")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--only",
        type=_sections,
        help=f"measure only these comma-separated parts ({', '.join(SECTIONS)}); "
        "the results are printed, not kept as the scale's",
    )
    args = parser.parse_args(argv)
    result = measure(args.scale, only=args.only)
    if args.json:
        plain = {k: v for k, v in result.items() if k != "_rows"}
        print(json.dumps(plain, indent=2, ensure_ascii=False))
    else:
        print(render(result["_rows"], title_of(result)))
        for failure in result["app_failures"]:
            print(f"- the desk failed once and was run again: {failure}")
        if result["waits_without_repaint"]:
            print(
                f"- {result['waits_without_repaint']} waits saw the awaited state with no new "
                "frame (nothing to repaint); they count from when the state came true"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
