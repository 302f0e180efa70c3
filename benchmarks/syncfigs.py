"""Sync figures: initial sync against its raw-SQLite floor, and 1,000 incremental changes.

Initial sync. A fresh cache is filled from a sample core (:data:`SAMPLE_BORROWERS` borrowers,
served by uvicorn on 127.0.0.1) through ``workbench.sync.pull``; the figure is records per
CPU-second of this (the syncing) process. The floor stores the *same* records, already fetched
and decoded, into a fresh cache of the same schema with nothing but ``executemany`` (the
columns and the record as JSON text, one transaction per page). When ``benchmarks/sync.py``
offers a ``measure`` function, its figures are used instead (see :func:`initial_sync`).

Incremental. 1,000 records change at the core (``CoreStore.upsert_many``: new contacts,
borrowers' details, loans re-sent) and one ``pull`` brings them into the scale's cache (with an
open connection and client, as the desk's follower pulls); the figure is the wall time of that
whole pull (asking, the core preparing the page, the network, storing), repeated with fresh
changes each time. Beside it, the part the client spent storing (``PullResult.storing``:
decoding, checking and writing the page, its commit) is kept per pull, wall and CPU, so the
rest — the core and the network — shows as the difference.
"""

from __future__ import annotations

import asyncio
import importlib
import resource
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

import httpx
import orjson

from benchmarks.stats import cpu_wait_seconds
from workbench.core.storage import CoreStore
from workbench.store import schema
from workbench.store.db import connect, write_transaction
from workbench.sync.client import make_client
from workbench.sync.pull import pull, pull_from

SAMPLE_BORROWERS = 2000
CHANGES = 1000
PAGE = 1000


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def colleague_measure():
    """``benchmarks.sync.measure`` when that module exists and offers it, else None."""
    try:
        module = importlib.import_module("benchmarks.sync")
    except ImportError:
        return None
    return getattr(module, "measure", None)


def initial_sync(url: str, repeats: int) -> dict[str, Any]:
    """Records per CPU-second of a full pull from the core at ``url`` and of the executemany
    floor storing the same records (medians of ``repeats``)."""
    records = asyncio.run(_fetch_all(url))
    sync_rates, floor_rates = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
            sync_rates.append(_timed_pull(Path(tmp) / "cache.db", url))
            floor_rates.append(_timed_floor(Path(tmp) / "floor.db", records))
    sync_rates.sort()
    floor_rates.sort()
    return {
        "records": len(records),
        "sync_records_per_cpu_s": sync_rates[len(sync_rates) // 2],
        "floor_records_per_cpu_s": floor_rates[len(floor_rates) // 2],
    }


def _timed_pull(path: Path, url: str) -> float:
    before = cpu_seconds()
    result = asyncio.run(pull_from(path, url, page_size=PAGE))
    return result.applied / max(cpu_seconds() - before, 1e-9)


async def _fetch_all(url: str) -> list[dict[str, Any]]:
    """Every change of the feed, decoded (outside any timing)."""
    out: list[dict[str, Any]] = []
    cursor = None
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        while True:
            params: dict[str, Any] = {"limit": 5000}
            if cursor is not None:
                params["cursor"] = cursor
            page = (await client.get("/v1/changes", params=params)).json()
            out += page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return out


def _timed_floor(path: Path, changes: list[dict[str, Any]]) -> float:
    """Records per CPU-second of plain executemany into the cache's own tables."""
    conn = connect(path)
    try:
        before = cpu_seconds()
        for lo in range(0, len(changes), PAGE):
            by_entity: dict[str, list[tuple]] = {}
            for change in changes[lo : lo + PAGE]:
                data = change["data"]
                columns = schema.COLUMNS[change["entity"]]
                row = (change["id"], *(data[c] for c in columns), orjson.dumps(data))
                by_entity.setdefault(change["entity"], []).append(row)
            with write_transaction(conn):
                for entity, rows in by_entity.items():
                    names = ", ".join(("id", *schema.COLUMNS[entity], "data"))
                    marks = ", ".join("?" * len(rows[0]))
                    sql = f"INSERT OR REPLACE INTO {entity}({names}) VALUES ({marks})"
                    conn.executemany(sql, rows)
        return len(changes) / max(cpu_seconds() - before, 1e-9)
    finally:
        conn.close()


def incremental(
    url: str,
    core: Path,
    cache: Path,
    borrowers: int,
    repeats: int,
    *,
    first_round: int,
    cpu: list[tuple[float, float | None]] | None = None,
    storing: list[tuple[float, float]] | None = None,
) -> list[float]:
    """Wall seconds of one pull bringing :data:`CHANGES` fresh changes made at ``core`` (served
    at ``url``) into ``cache``, per repetition; each pull's (CPU seconds, seconds spent waiting
    for a CPU) are appended to ``cpu``, and the (wall, CPU) seconds it spent storing what it
    got to ``storing``.

    The pull runs as the desk's follower runs it (``workbench.sync.follow``): with one open
    cache connection and one HTTP client for all pulls.
    """
    return asyncio.run(
        _incremental(url, core, cache, borrowers, repeats, first_round, cpu, storing)
    )


async def _incremental(
    url: str,
    core: Path,
    cache: Path,
    borrowers: int,
    repeats: int,
    first_round: int,
    cpu: list | None = None,
    storing: list | None = None,
) -> list[float]:
    out = []
    conn = connect(cache)
    store = CoreStore.open(core)
    try:
        async with make_client(url) as client:
            await pull(conn, client, page_size=PAGE)  # start level with the core
            template = _an_interaction(store, conn)
            for n in range(repeats):
                changes = changed_records(store, borrowers, first_round + n, template)
                store.upsert_many(changes)
                started, on_cpu, waited = time.perf_counter(), cpu_seconds(), cpu_wait_seconds()
                result = await pull(conn, client, page_size=PAGE)
                out.append(time.perf_counter() - started)
                if cpu is not None:
                    after = cpu_wait_seconds()
                    wait = after - waited if after is not None and waited is not None else None
                    cpu.append((cpu_seconds() - on_cpu, wait))
                if storing is not None and result.storing is not None:
                    storing.append((result.storing.seconds, result.storing.cpu_seconds))
                distinct = len({(entity, rid) for entity, rid, _ in changes})  # < 1,000 when tiny
                if result.applied != distinct:
                    raise RuntimeError(f"pulled {result.applied} changes, not {distinct}")
    finally:
        store.close()
        conn.close()
    return out


def changed_records(
    store: CoreStore, borrowers: int, round_no: int, template: dict[str, Any]
) -> list[tuple]:
    """:data:`CHANGES` records as a working day at the core changes them: 40 % new contacts,
    30 % borrowers' details edited, 30 % loans after a payment (one more installment paid)."""
    rng = Random(round_no)
    picked = rng.sample(range(1, borrowers + 1), min(CHANGES, borrowers))
    out: list[tuple] = []
    for n in range(CHANGES):
        index = picked[n % len(picked)]
        bid = f"B{index:06d}"
        kind = n % 10
        if kind < 4:
            rid = f"I{index:06d}-r{round_no:04d}-{n:04d}"
            stamp = f"2026-11-27T0{n % 10}:{n % 60:02d}:00Z"
            data = template | {"id": rid, "borrower_id": bid, "started_at": stamp, "loan_id": None}
            out.append(("interaction", rid, data))
        elif kind < 7 and (data := store.get("borrower", bid)):
            data["employer"] = f"{(data.get('employer') or '')[:40]}·{round_no}"
            out.append(("borrower", bid, data))
        elif data := store.get("loan", f"L{index:06d}-1"):
            out.append(("loan", data["id"], _paid_one_more(data, round_no)))
        else:
            data = store.get("borrower", bid)
            out.append(("borrower", bid, data))
    return out


def _paid_one_more(loan: dict[str, Any], round_no: int) -> dict[str, Any]:
    """The loan as the core sends it after a payment: its oldest installment not paid in full
    is now paid (a loan already paid up gets its last installment's paid date moved), so the
    record really differs from the cached one, as after a real payment."""
    schedule = [dict(inst) for inst in loan.get("schedule") or ()]
    day = f"2026-11-{1 + round_no % 27:02d}"
    for inst in schedule:
        if (
            inst.get("paid_principal", 0) < inst["principal"]
            or inst.get("paid_interest", 0) < inst["interest"]
        ):
            inst.update(paid_principal=inst["principal"], paid_interest=inst["interest"])
            inst["paid_date"] = day
            break
    else:
        if schedule:
            schedule[-1]["paid_date"] = day
    return loan | {"schedule": schedule}


def _an_interaction(store: CoreStore, conn) -> dict[str, Any]:
    """An interaction of the core to copy, found by an id the cache holds: reading the core's
    records in feed order to find one would scan a 15 GB file at 1m and push the cache out of
    the page cache before the very pull being timed."""
    row = conn.execute("SELECT id FROM interaction LIMIT 1").fetchone()
    data = store.get("interaction", row[0]) if row else None
    if data is None:
        raise LookupError("the core holds no interaction to copy")
    return data | {"notes": "客户来电询问还款 (benchmark)"}
