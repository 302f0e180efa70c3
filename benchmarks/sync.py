"""Initial sync throughput, side by side with its floor and with sqlite-utils, in one run.

``uv run python -m benchmarks.sync --borrowers 20000 [--json]``

The reference core (demo portfolio, seed 7) is served by uvicorn in a child process on
127.0.0.1, so its work runs on the other CPU and is not counted. Three ways of storing the same
records are measured, each in **records per CPU-second of the process that stores them**
(user + system time, all threads):

1. **workbench sync** — ``workbench.sync.pull`` into a fresh cache: HTTP, JSON decoding, strict
   validation, packing (``store.codec``: compact JSON, zstd with per-entity dictionaries),
   upserts, search keys (pinyin included), one transaction per page of 1,000 with its cursor.
2. **floor** — the same records, already fetched and decoded (outside the timing), packed by the
   same codec (dictionaries trained at the same point) and written with nothing but
   ``executemany`` of plain INSERTs into the same schema, one transaction per page, with the
   cyclic garbage collector paused as the sync pauses it: what storing costs at the least with
   this cache's layout.
3. **sqlite-utils** — ``sqlite-utils insert DB ENTITY FILE --nl --pk id`` of newline-delimited
   JSON of the same records, one child process per entity (its JSON parsing included, as the
   command does it); CPU time of those children.

``measure(borrowers)`` returns the figures as a dict (``benchmarks.run`` uses it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.core_server import served_core
from workbench.core.demo import DEFAULT_AS_OF
from workbench.core.portfolio import open_portfolio
from workbench.store import schema, search, validate
from workbench.store.codec import TRAIN_AT, codec_of
from workbench.store.db import connect, write_transaction
from workbench.sync.gcpause import paused_gc
from workbench.sync.pull import PAGE_SIZE, pull_from

SEED = 7
PAGE = PAGE_SIZE  # the sync's own page size, for the floor's transactions too
KEEP_CORES_FROM = 5000  # larger cores are kept between runs under benchmarks/.cache


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def core_store(borrowers: int, root: Path | None) -> Iterator[Path]:
    """A core store of the demo portfolio (kept under the cache root when large)."""
    if root is None and borrowers >= KEEP_CORES_FROM:
        root = Path(__file__).resolve().parent / ".cache"
    if root is not None:
        folder = root / f"sync-{borrowers}-seed{SEED}"
        folder.mkdir(parents=True, exist_ok=True)
        yield _generated(folder / "core.db", borrowers)
        return
    with tempfile.TemporaryDirectory(prefix="wb-sync-bench-") as tmp:
        yield _generated(Path(tmp) / "core.db", borrowers)


def _generated(path: Path, borrowers: int) -> Path:
    if not path.exists():
        log(f"generating {borrowers:,} borrowers into {path} …")
    started = time.perf_counter()
    open_portfolio(path, borrowers, SEED, DEFAULT_AS_OF).close()
    if time.perf_counter() - started > 1:
        log(f"  core ready in {time.perf_counter() - started:.0f} s")
    return path


def timed_sync(cache: Path, url: str) -> dict[str, float]:
    """The real path: a full pull into a fresh cache (its in-memory caches emptied first, as
    in a new process; the libraries it imports stay imported)."""
    search._syllable.cache_clear()
    validate.SEEN.clear()
    wall, cpu = time.perf_counter(), cpu_self()
    result = asyncio.run(pull_from(cache, url, page_size=PAGE))
    return {
        "records": result.applied,
        "cpu_s": cpu_self() - cpu,
        "wall_s": time.perf_counter() - wall,
        "bytes": _size(cache),
    }


def timed_floor_and_export(cache: Path, url: str, ndjson: Path | None) -> dict[str, float]:
    """Fetch every page (untimed), store it by plain executemany through the same codec (timed)
    and, when ``ndjson`` is a folder, write it as newline-delimited JSON per entity for
    sqlite-utils (untimed)."""
    conn = connect(cache)
    codec = codec_of(conn)
    counts: dict[str, int] = {}
    files: dict[str, Any] = {}
    records = 0
    cpu = wall = 0.0
    try:
        for changes in _pages(url):
            by_entity: dict[str, list[dict[str, Any]]] = {}
            for change in changes:
                if change["op"] == "upsert":
                    by_entity.setdefault(change["entity"], []).append(change["data"])
            t_wall, t_cpu = time.perf_counter(), cpu_self()
            with paused_gc(), write_transaction(conn):  # as the sync does it
                for entity, datas in by_entity.items():
                    rows = [codec.pack(entity, data) for data in datas]
                    columns = schema.insert_columns(entity)
                    conn.executemany(
                        f"INSERT INTO {entity}({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})",
                        rows,
                    )
                    counts[entity] = counts.get(entity, 0) + len(rows)
                    if not codec.has_dictionary(entity) and counts[entity] >= TRAIN_AT:
                        codec.train(conn, entity)
            cpu += cpu_self() - t_cpu
            wall += time.perf_counter() - t_wall
            records += sum(len(datas) for datas in by_entity.values())
            for entity, datas in by_entity.items() if ndjson is not None else ():
                if entity not in files:
                    files[entity] = (ndjson / f"{entity}.ndjson").open("wb")
                files[entity].write(b"".join(orjson.dumps(d) + b"\n" for d in datas))
    finally:
        conn.close()
        for out in files.values():
            out.close()
    return {"records": records, "cpu_s": cpu, "wall_s": wall, "bytes": _size(cache)}


def timed_sqlite_utils(db: Path, ndjson: Path) -> dict[str, float]:
    """``sqlite-utils insert DB ENTITY FILE --nl --pk id`` per entity; CPU of those children."""
    records = 0
    wall, cpu = time.perf_counter(), cpu_children()
    for entity in schema.ENTITY_TABLES:
        source = ndjson / f"{entity}.ndjson"
        if not source.exists():
            continue
        command = [sys.executable, "-m", "sqlite_utils", "insert", str(db), entity, str(source),
                   "--nl", "--pk", "id"]  # fmt: skip
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
        with source.open("rb") as lines:
            records += sum(1 for _ in lines)
    return {
        "records": records,
        "cpu_s": cpu_children() - cpu,
        "wall_s": time.perf_counter() - wall,
        "bytes": _size(db),
    }


def _pages(url: str) -> Iterator[list[dict[str, Any]]]:
    cursor = None
    with httpx.Client(base_url=url, timeout=120) as client:
        while True:
            params: dict[str, Any] = {"limit": PAGE}
            if cursor is not None:
                params["cursor"] = cursor
            page = orjson.loads(client.get("/v1/changes", params=params).content)
            yield page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def measure(
    borrowers: int, *, root: Path | None = None, repeats: int = 1, sqlite_utils: bool = True
) -> dict[str, Any]:
    """Run the three measurements against a core of ``borrowers``; figures as a dict.

    With ``repeats`` > 1 the sync and the floor run that many times, alternating (so a change
    in the machine's load touches both), and the median run of each counts.
    """
    syncs, floors = [], []
    with (
        core_store(borrowers, root) as core,
        served_core(core, borrowers=borrowers, seed=SEED) as url,
        tempfile.TemporaryDirectory(prefix="wb-sync-bench-") as tmp,
    ):
        work = Path(tmp)
        for n in range(repeats):
            log(f"workbench sync ({n + 1}/{repeats}) …")
            syncs.append(timed_sync(work / f"cache-{n}.db", url))
            log(f"floor: executemany, same codec ({n + 1}/{repeats}) …")
            export = work if n == 0 else None
            floors.append(timed_floor_and_export(work / f"floor-{n}.db", url, export))
            for path in (work / f"cache-{n}.db", work / f"floor-{n}.db"):
                for leftover in (path, path.with_name(path.name + "-wal")):
                    if n + 1 < repeats:
                        leftover.unlink(missing_ok=True)
        utils = {"records": 0, "cpu_s": 0.0, "wall_s": 0.0, "bytes": 0}
        if sqlite_utils:
            log("sqlite-utils insert --nl …")
            utils = timed_sqlite_utils(work / "sqlite-utils.db", work)
    sync, floor = _median(syncs), _median(floors)
    rates = {
        name: figures["records"] / max(figures["cpu_s"], 1e-9)
        for name, figures in (("sync", sync), ("floor", floor), ("sqlite_utils", utils))
    }
    return {
        "borrowers": borrowers,
        "records": sync["records"],
        "repeats": repeats,
        "sync": sync,
        "floor": floor,
        "sqlite_utils": utils,
        "sync_cpu_s_runs": [round(f["cpu_s"], 2) for f in syncs],
        "floor_cpu_s_runs": [round(f["cpu_s"], 2) for f in floors],
        "sync_records_per_cpu_s": rates["sync"],
        "floor_records_per_cpu_s": rates["floor"],
        "sqlite_utils_records_per_cpu_s": rates["sqlite_utils"],
        "sync_vs_floor": rates["sync"] / rates["floor"],
        "sync_vs_sqlite_utils": rates["sync"] / max(rates["sqlite_utils"], 1e-9),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return sorted(runs, key=lambda f: f["cpu_s"])[len(runs) // 2]


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table with ratios to the floor."""
    floor_rate = result["floor_records_per_cpu_s"]
    lines = [
        f"initial sync of {result['borrowers']:,} borrowers ({result['records']:,} records); "
        "records per CPU-second of the storing process",
        "",
        "| method | records | CPU s | wall s | records / CPU-s | vs floor | size MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in (
        ("sync", "workbench sync (HTTP, decode, validate, codec, keys)"),
        ("floor", "floor: executemany, same codec"),
        ("sqlite_utils", "sqlite-utils insert --nl"),
    ):
        f = result[name]
        if not f["records"]:
            continue
        rate = f["records"] / max(f["cpu_s"], 1e-9)
        lines.append(
            f"| {label} | {f['records']:,} | {f['cpu_s']:.1f} | {f['wall_s']:.1f} | "
            f"{rate:,.0f} | {rate / floor_rate:.2f}× | {f['bytes'] / 1e6:,.0f} |"
        )
    lines += [
        "",
        f"sync / floor = {result['sync_vs_floor']:.2f} (aim ≥ 0.5); "
        + (
            f"sync / sqlite-utils = {result['sync_vs_sqlite_utils']:.2f}; "
            if result["sqlite_utils"]["records"]
            else ""
        )
        + "median of "
        f"{result['repeats']} run(s): sync CPU s {result['sync_cpu_s_runs']}, "
        f"floor CPU s {result['floor_cpu_s_runs']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--borrowers", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--root", type=Path, help="where to keep generated cores")
    parser.add_argument("--repeats", type=int, default=1, help="runs of sync and floor (median)")
    parser.add_argument("--no-sqlite-utils", action="store_true", help="skip (b), it is slow")
    args = parser.parse_args(argv)
    result = measure(
        args.borrowers, root=args.root, repeats=args.repeats, sqlite_utils=not args.no_sqlite_utils
    )
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
