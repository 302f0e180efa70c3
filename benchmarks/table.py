"""The aims of issue "the numbers we promise", and the one table every run prints."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import version
from typing import Any

from benchmarks.stats import Aim, Latency, Row

LOOKUP_P99 = Aim("p99 ≤ 5 ms", 5.0)
NAME_P99 = Aim("p99 ≤ 20 ms", 20.0)
GROWTH = Aim("≤ 2× the 10k p99", 2.0, on="value")
VIEW_P99 = Aim("p99 ≤ 5 ms", 5.0)
HEAVY_PAINT = Aim("p99 ≤ 100 ms", 100.0)
STARTUP = Aim("≤ 1.5× floor", 1.5, on="ratio")
KEYSTROKE = Aim("p95 ≤ 50 ms", 50.0, on="p95")
INITIAL_SYNC = Aim("≥ 0.5× floor", 0.5, on="ratio", at_least=True)
INCREMENTAL = Aim("median ≤ 200 ms", 200.0, on="median")
CACHE_SIZE = Aim("≤ 4,000 B (4 GB at 1m)", 4000.0, on="value")
MEMORY = Aim("≤ 200 MB", 200.0, on="value")

LOOKUP_LABELS = {
    "phone": ("lookup: full phone", LOOKUP_P99),
    "phone_last4": ("lookup: last 4 of a phone", LOOKUP_P99),
    "id_last6": ("lookup: last 6 of ID", LOOKUP_P99),
    "contract": ("lookup: contract no", LOOKUP_P99),
    "plate": ("lookup: plate", LOOKUP_P99),
    "name_cjk2": ("lookup: 2-char CJK name", NAME_P99),
    "pinyin": ("lookup: pinyin initials", NAME_P99),
}

HEADER = ("figure", "median", "p95", "p99", "floor (median)", "×floor", "aim", "")


def render(rows: list[Row], title: str) -> str:
    """The table as Markdown (it reads as plain text too)."""
    lines = [title, "", _line(HEADER), _line(tuple("---" for _ in HEADER))]
    lines += [_line(_cells(row)) for row in rows]
    notes = [f"- {row.name}: {row.note}" for row in rows if row.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cells(row: Row) -> tuple[str, ...]:
    if row.latency is not None:
        lat = row.latency
        main = (_num(lat.median, row.unit), _num(lat.p95, row.unit), _num(lat.p99, row.unit))
    else:
        main = (_num(row.value, row.unit), "—", "—")
    if isinstance(row.floor, Latency):
        floor = _num(row.floor.median, row.unit)
    else:
        floor = _num(row.floor, row.unit) if row.floor is not None else "—"
    if row.floor_name and floor != "—":
        floor = f"{floor} ({row.floor_name})"
    ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
    passed = {True: "pass", False: "SHORT", None: ""}[row.passed]
    return (row.name, *main, floor, ratio, row.aim.text if row.aim else "—", passed)


def _num(x: float | None, unit: str) -> str:
    if x is None:
        return "—"
    if unit == "ms":
        text = f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"
        return f"{text} ms"
    if unit == "×":
        return f"{x:.2f}×"
    return f"{x:,.0f} {unit}" if x >= 100 else f"{x:.1f} {unit}"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import sqlcipher3.dbapi2 as sqlite

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(_mem_kb() / 1024 / 1024, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite.sqlite_version,
        "textual": version("textual"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_kb() -> int:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
