"""The benchmark suite stays importable and runnable: its whole path at a tiny scale.

Shape, not speed: the tiny scale (300 borrowers, a few repetitions) builds its core store and
cache through the real sync path into a temporary folder, measures every figure, and the
table must carry every row with numbers, its floor and its aim.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not a package

from benchmarks import build, run
from benchmarks.stats import Latency
from benchmarks.table import render

LATENCY_ROWS = [
    "floor: borrower by primary key",
    "lookup: full phone",
    "lookup: last 4 of a phone",
    "lookup: last 6 of ID",
    "lookup: contract no",
    "lookup: plate",
    "lookup: 2-char CJK name",
    "lookup: pinyin initials",
    "view assembly: random borrower",
    "view assembly: 10,000 interactions",
    "render: random borrower, chosen → painted",
    "render: 10,000 interactions, chosen → painted",
    "keystroke → results painted",
    "desk start-up → first interactive frame",
    "1,000 incremental changes, one pull",
]
VALUE_ROWS = [
    "desk peak memory (VmHWM)",
    "initial sync (records per CPU-s)",
    "cache size on disk per borrower",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("bench")
    return run.measure("tiny", root=root, log=lambda _: None), root


def test_tiny_run_measures_every_figure_with_floor_and_aim(tiny) -> None:
    result, _ = tiny
    rows = {row["name"]: row for row in result["rows"]}
    for name in LATENCY_ROWS:
        latency = rows[name]["latency_ms"]
        assert 0 < latency["median"] <= latency["p95"] <= latency["p99"], name
    for name in VALUE_ROWS:
        assert rows[name]["value"] > 0, name
    no_aim = {
        "floor: borrower by primary key",
        "view assembly: 10,000 interactions",  # its aim is on the painted view
        "render: random borrower, chosen → painted",
    }
    for name in (*LATENCY_ROWS, *VALUE_ROWS):
        assert (rows[name]["aim"] is None) == (name in no_aim), name
    for name in (*LATENCY_ROWS[1:13], LATENCY_ROWS[13], "initial sync (records per CPU-s)"):
        assert rows[name]["ratio"] > 0, name
    assert all(row["passed"] in (True, False, None) for row in result["rows"])
    assert "(compacted; " in rows["cache size on disk per borrower"]["note"]


def test_tiny_build_has_the_heavy_borrower_and_is_reused(tiny) -> None:
    result, root = tiny
    built = build.ensure_built("tiny", root=root)
    assert built.facts == result["build"]  # the second call reuses the files
    from workbench.store.db import connect
    from workbench.store.queries import interaction_count

    conn = connect(built.cache, readonly=True)
    try:
        # the incremental changes may have given the heavy borrower a few more since
        assert interaction_count(conn, built.heavy_id) >= build.HEAVY_INTERACTIONS
    finally:
        conn.close()
    saved = json.loads((root / "results-tiny.json").read_text())
    assert [r["name"] for r in saved["rows"]] == [r["name"] for r in result["rows"]]


def test_table_prints_one_line_per_figure_with_marks(tiny) -> None:
    result, _ = tiny
    text = render(result["_rows"], run.title_of(result))
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(lines) == 2 + len(result["rows"])  # header and rule, then one per figure
    assert all(line.count(" | ") == 7 for line in lines)
    assert "300 borrowers (tiny)" in text
    assert any(line.endswith("| pass |") or line.endswith("| SHORT |") for line in lines)


def test_percentiles_are_nearest_rank_and_rounds_reduce_to_medians() -> None:
    one = Latency.of([i / 1000 for i in range(1, 101)])  # 1 … 100 ms
    assert (one.median, one.p95, one.p99) == pytest.approx((50, 95, 99))
    rounds = Latency.over_rounds([Latency(1, 2, 3), Latency(5, 6, 70), Latency(2, 3, 4)])
    assert (rounds.median, rounds.p95, rounds.p99) == (2, 3, 4)


def test_only_measures_the_parts_asked_for_and_keeps_no_results(tiny) -> None:
    _, root = tiny
    saved = (root / "results-tiny.json").read_text()
    partial = run.measure("tiny", root=root, log=lambda _: None, only=frozenset({"incremental"}))
    assert [row["name"] for row in partial["rows"]] == [
        "1,000 incremental changes, one pull",
        "  of which the client storing the page",
    ]
    assert (root / "results-tiny.json").read_text() == saved
    assert run._sections("view, size") == {"view", "size"}
    with pytest.raises(Exception, match="choose among"):
        run._sections("views")
