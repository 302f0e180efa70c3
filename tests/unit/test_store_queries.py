"""The unified borrower view and its paged history, read from a real cache."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from workbench.domain.models import Address, Borrower, Installment, Phone
from workbench.store.apply import apply_page
from workbench.store.db import connect
from workbench.store.queries import (
    LOOKUP_PAGES,
    borrower_view,
    cache_stats,
    interaction_count,
    interactions_page,
    lookup,
    schedule,
    warm_lookup_pages,
)

AS_OF = date(2026, 11, 27)


@pytest.fixture
def conn(cache_path: Path):
    conn = connect(cache_path)
    yield conn
    conn.close()


def stamp(i: int) -> str:
    """A distinct UTC time for the i-th interaction (not in order of i)."""
    month, day, hour, minute = 1 + i // 2000 % 12, 1 + i // 80 % 25, i // 4 % 20, i % 60
    return f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def test_unknown_borrower_has_no_view(conn):
    assert borrower_view(conn, "nobody", AS_OF) is None


def test_view_rebuilds_nested_records_and_computes_loan_state(conn, feed):
    page = [
        feed.borrower("B1", flags=["vip"]),
        feed.vehicle("V1"),
        feed.loan("L1", paid=3, start=date(2026, 1, 15)),  # Feb–Apr paid, May–Nov not
        feed.loan("L2", contract_no="HT2", status="settled", vehicle_id="V9"),
        feed.payment("P1", posted_at="2026-02-15T01:00:00Z"),
        feed.payment("P2", posted_at="2026-04-15T01:00:00Z"),
        feed.interaction("I1"),
    ]
    apply_page(conn, page, "c1")
    view = borrower_view(conn, "B1", AS_OF)
    assert isinstance(view.borrower, Borrower)
    assert isinstance(view.borrower.phones[0], Phone)
    assert isinstance(view.borrower.address, Address)
    assert view.borrower.flags == ["vip"]
    overdue, settled = view.loans
    assert isinstance(overdue.loan.schedule[0], Installment)
    assert overdue.vehicle is not None and overdue.vehicle.plate == "京A·12345"
    assert overdue.next_due is overdue.loan.schedule[3]
    assert overdue.next_due.due_date == "2026-05-15"
    assert overdue.dpd == (AS_OF - date(2026, 5, 15)).days
    assert overdue.bucket == "M4+"
    assert overdue.overdue_amount > overdue.next_due_amount > 0
    assert overdue.payoff.total > overdue.outstanding_principal > 0
    assert (settled.dpd, settled.bucket, settled.next_due) == (0, "M0", None)
    assert settled.payoff.total == 0
    assert settled.vehicle is None
    assert view.worst_bucket == "M4+"
    assert [p.id for p in view.payments] == ["P2", "P1"]  # newest first
    assert view.interaction_count == 1


def test_current_borrower_is_m0(conn, feed):
    apply_page(conn, [feed.borrower("B1"), feed.loan("L1", paid=10, start=date(2026, 1, 15))], "c")
    view = borrower_view(conn, "B1", AS_OF)
    assert (view.loans[0].dpd, view.worst_bucket) == (0, "M0")
    assert view.loans[0].next_due.due_date == "2026-12-15"  # Feb–Nov paid
    assert len(schedule(conn, "L1")) == 36
    assert schedule(conn, "nope") == []


def test_interaction_history_is_newest_first_and_paged(conn, feed):
    times = ["2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-06-01T00:00:00Z"]
    page = [feed.borrower("B1"), feed.borrower("B2", name="李娜")]
    page += [feed.interaction(f"I{n}", started_at=t) for n, t in enumerate(times)]
    page.append(feed.interaction("OTHER", "B2"))
    apply_page(conn, page, "c1")
    assert [i.id for i in interactions_page(conn, "B1")] == ["I1", "I2", "I0"]
    assert [i.id for i in interactions_page(conn, "B1", offset=1, limit=1)] == ["I2"]
    assert interactions_page(conn, "B1", offset=3) == []
    assert interaction_count(conn, "B1") == 3


def test_ten_thousand_interactions_open_instantly(conn, feed):
    page = [feed.borrower("B1"), feed.borrower("B2", name="李娜")]
    page += [feed.interaction(f"I{i:05d}", started_at=stamp(i)) for i in range(10_000)]
    page += [feed.interaction(f"J{i:05d}", "B2", started_at=stamp(i)) for i in range(2_000)]
    apply_page(conn, page, "c1")
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT data FROM interaction WHERE borrower_id = ? "
        "ORDER BY started_at DESC, id DESC LIMIT 50",
        ("B1",),
    ).fetchall()
    assert "USING INDEX interaction_by_borrower" in str(plan)
    assert "TEMP B-TREE" not in str(plan)  # no sort: the index is already in order
    start = time.perf_counter()
    first = interactions_page(conn, "B1", limit=50)
    view = borrower_view(conn, "B1", AS_OF)
    elapsed = time.perf_counter() - start
    assert view.interaction_count == 10_000
    assert len(first) == 50
    assert first[0].started_at == max(stamp(i) for i in range(10_000))
    assert elapsed < 0.1
    deep = interactions_page(conn, "B1", offset=9_990, limit=50)
    assert len(deep) == 10


def test_cache_stats_names_every_entity(conn, feed):
    stats = cache_stats(conn)
    assert stats["cursor"] is None
    assert set(stats["entities"]) == {
        "agent", "queue", "borrower", "vehicle", "loan",
        "payment", "interaction", "promise", "escalation", "callback",
    }  # fmt: skip
    apply_page(conn, [feed.borrower("B1"), feed.interaction("I1")], "c2")
    stats = cache_stats(conn)
    assert stats["entities"]["borrower"] == stats["entities"]["interaction"] == 1
    assert stats["cursor"] == "c2"


def test_every_read_is_an_index_seek_never_a_table_scan(conn, feed):
    """At a million borrowers a scan is seconds: lookups and the view must only seek."""
    apply_page(conn, [feed.borrower("B1"), feed.vehicle("V1"), feed.loan("L1")], "c1")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    for query in ("13812345678", "5678", "07123X", "11010119900307123X", "张伟", "伟明", "阳伟明",
                  "zw", "zhangwei", "HT2025", "京A12345", "a12345"):  # fmt: skip
        lookup(conn, query)
    borrower_view(conn, "B1", AS_OF)
    interactions_page(conn, "B1", offset=10, limit=10)
    conn.set_trace_callback(None)
    big = {"borrower", "vehicle", "loan", "payment", "interaction", "promise", "escalation",
           "callback", "search_key"}  # fmt: skip
    for sql in set(statements):
        for row in conn.execute("EXPLAIN QUERY PLAN " + sql):
            detail = row[3]
            if detail.startswith("SCAN"):
                assert detail.split()[1] not in big, f"{sql}\n→ {detail}"


def test_the_start_up_read_walks_every_b_tree_a_lookup_reads(demo_cache: Path):
    conn = connect(demo_cache, readonly=True)
    try:
        plans = [
            " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in LOOKUP_PAGES
        ]
        # A lookup seeks search_key, reads borrower rows, and dates the worst bucket on the
        # loan_by_borrower index alone: those three B-trees, and no cheaper stand-in.
        assert "search_key" in plans[0] and "borrower" in plans[1]
        assert "COVERING INDEX loan_by_borrower" in plans[2]
        counted = warm_lookup_pages(conn)
        expected = sum(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("search_key", "borrower", "loan")
        )
        assert counted == expected > 0
    finally:
        conn.close()


@pytest.mark.parametrize("query", ["l", "z", "wang", "张"])
def test_a_lookup_lists_as_many_borrowers_as_asked_and_a_longer_list_extends_a_shorter(
    demo_cache: Path, query: str
):
    """A borrower holding several of a probe's keys (full pinyin and initials) is listed
    once; the lookup still fills its limit from the borrowers behind, so that the desk's
    next page of a list starts where the page before ended."""
    conn = connect(demo_cache, readonly=True)
    try:
        everyone = [hit.borrower_id for hit in lookup(conn, query, limit=500, as_of=AS_OF)]
        assert len(everyone) == len(set(everyone)) > 21
        for limit in (1, 5, 20, 21, 40, 41, len(everyone) + 5):
            listed = [hit.borrower_id for hit in lookup(conn, query, limit=limit, as_of=AS_OF)]
            assert listed == everyone[:limit]
    finally:
        conn.close()
