"""Read-side figures: lookups by everything a caller says, and the unified view assembly.

Queries are taken from random borrowers of the cache itself (their phone, the last 4 digits of
it, the last 6 of their ID number, a contract number, a plate, the first two characters of the
name and its pinyin initials) and run through ``store.queries.lookup`` exactly as the desk runs
them (a page of 20 hits and one more asked for, dated ``as_of``), after the read of the
lookups' pages the desk makes when it starts (``store.queries.warm_lookup_pages``). The floor
of every read is a primary-key read of one borrower (``store.queries.get_borrower``) on the
same connection, in the same rounds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random

from benchmarks.stats import Latency, time_each
from workbench.store import search
from workbench.store.db import connect
from workbench.store.queries import (
    borrower_view,
    get_borrower,
    interactions_page,
    lookup,
    warm_lookup_pages,
)
from workbench.ui.screens.desk import RESULT_PAGE

LOOKUP_KINDS = ("phone", "phone_last4", "id_last6", "contract", "plate", "name_cjk2", "pinyin")
RESULT_LIMIT = RESULT_PAGE + 1  # what the desk asks for: its first page, and one to know of more
HISTORY_PAGE = 100  # the first page of history the view shows


@dataclass(frozen=True)
class Probe:
    """One borrower and what a caller could say to find them."""

    borrower_id: str
    queries: dict[str, str]  # lookup kind → query text


def borrower_ids(borrowers: int, count: int, seed: int) -> list[str]:
    """``count`` distinct random borrower ids of a demo portfolio (``B000001`` …)."""
    rng = Random(seed)
    picked = rng.sample(range(1, borrowers + 1), min(count, borrowers))
    return [f"B{i:06d}" for i in picked]


def probes_for(conn, ids: list[str], as_of: date) -> list[Probe]:
    """The query texts of each borrower (read outside any timing)."""
    out = []
    for bid in ids:
        view = borrower_view(conn, bid, as_of)
        if view is None:
            continue
        b = view.borrower
        keys = search.borrower_keys(dataclasses.asdict(b))
        queries = {
            "phone": b.phones[0].number if b.phones else "",
            "phone_last4": b.phones[0].number[-4:] if b.phones else "",
            "id_last6": b.id_no[-6:],
            "contract": view.loans[0].loan.contract_no if view.loans else "",
            "plate": next((v.plate for v in view.extra.get("vehicles", []) if v.plate), ""),
            "name_cjk2": b.name[:2],
            "pinyin": next((k for k, kind in sorted(keys) if kind == search.INITIALS), ""),
        }
        out.append(Probe(bid, {k: q for k, q in queries.items() if q}))
    return out


def measure_lookups(
    cache: Path, borrowers: int, *, samples: int, rounds: int, as_of: date, seed: int = 1
) -> tuple[dict[str, Latency], Latency, dict[str, float]]:
    """(latency per lookup kind, floor latency, mean hits per kind) over ``rounds`` rounds."""
    conn = connect(cache, readonly=True)
    try:
        warm_lookup_pages(conn)  # as the desk does once it has started
        ids = borrower_ids(borrowers, samples * rounds, seed)
        probes = probes_for(conn, ids, as_of)
        per_kind: dict[str, list[Latency]] = {k: [] for k in LOOKUP_KINDS}
        floors: list[Latency] = []
        hits: dict[str, list[int]] = {k: [] for k in LOOKUP_KINDS}
        for r in range(rounds):
            chunk = probes[r::rounds]
            floors.append(Latency.of(time_each(lambda p: get_borrower(conn, p.borrower_id), chunk)))
            for kind in LOOKUP_KINDS:
                texts = [p.queries[kind] for p in chunk if kind in p.queries]

                def run(text: str, kind: str = kind) -> None:
                    hits[kind].append(len(lookup(conn, text, limit=RESULT_LIMIT, as_of=as_of)))

                per_kind[kind].append(Latency.of(time_each(run, texts)))
        mean_hits = {k: sum(v) / len(v) for k, v in hits.items() if v}
        return (
            {k: Latency.over_rounds(v) for k, v in per_kind.items()},
            Latency.over_rounds(floors),
            mean_hits,
        )
    finally:
        conn.close()


def assemble(conn, borrower_id: str, as_of: date) -> None:
    """What the unified view reads: ``borrower_view`` and the first page of history."""
    view = borrower_view(conn, borrower_id, as_of)
    if view is None:
        raise LookupError(f"no borrower {borrower_id} in the cache")
    interactions_page(conn, borrower_id, limit=HISTORY_PAGE)


def measure_views(
    cache: Path,
    borrowers: int,
    heavy_id: str,
    *,
    samples: int,
    rounds: int,
    as_of: date,
    seed: int = 2,
    cpu: list[float] | None = None,
) -> tuple[Latency, Latency, Latency]:
    """(random borrowers, the 10,000-interaction borrower, floor) view assembly latencies;
    the CPU seconds of each random borrower's assembly are appended to ``cpu``."""
    conn = connect(cache, readonly=True)
    try:
        ids = borrower_ids(borrowers, samples * rounds, seed)
        randoms, heavies, floors = [], [], []
        for r in range(rounds):
            chunk = ids[r::rounds]
            floors.append(Latency.of(time_each(lambda b: get_borrower(conn, b), chunk)))
            randoms.append(Latency.of(time_each(lambda b: assemble(conn, b, as_of), chunk, cpu)))
            heavy = [heavy_id] * max(samples // 5, 5)
            heavies.append(Latency.of(time_each(lambda b: assemble(conn, b, as_of), heavy)))
        return (
            Latency.over_rounds(randoms),
            Latency.over_rounds(heavies),
            Latency.over_rounds(floors),
        )
    finally:
        conn.close()
