"""Records are packed small (trained zstd dictionaries) and always come back exactly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from workbench.store.apply import apply_page
from workbench.store.codec import TRAIN_AT
from workbench.store.db import connect
from workbench.store.queries import borrower_view, interactions_page
from workbench.store.records import RecordError


def stamp(i: int) -> str:
    return f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i // 60 % 60:02d}Z"


def interactions(feed, count: int, start: int = 0) -> list[dict]:
    notes = ("客户来电咨询本期应还金额", "承诺月底前还款", "要求寄送结清证明", "投诉扣款失败")
    return [
        feed.interaction(f"I{i:06d}", started_at=stamp(i), notes=notes[i % 4] + f"（第{i}次）")
        for i in range(start, start + count)
    ]


def header_bytes(conn, table: str) -> set[int]:
    return {row[0][0] for row in conn.execute(f"SELECT data FROM {table}")}


def test_small_tables_stay_plain_json(cache_path: Path, feed):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1"), *interactions(feed, 10)], "c1")
    assert header_bytes(conn, "interaction") == {0}
    assert conn.execute("SELECT count(*) FROM codec_dict").fetchone()[0] == 0


def test_after_enough_records_every_row_is_compressed_and_reads_back_exactly(
    cache_path: Path, feed
):
    conn = connect(cache_path)
    first = interactions(feed, TRAIN_AT // 2)
    second = interactions(feed, TRAIN_AT, start=TRAIN_AT // 2)
    apply_page(conn, [feed.borrower("B1"), *first], "c1")
    apply_page(conn, second, "c2")
    assert 0 not in header_bytes(conn, "interaction")  # the plain rows were re-packed too
    stored = conn.execute("SELECT sum(length(data)) FROM interaction").fetchone()[0]
    assert stored < sum(len(str(c["data"]).encode()) for c in first + second) / 3
    back = {i.id: i for i in interactions_page(conn, "B1", limit=10_000)}
    for change in first + second:
        original = change["data"]
        record = back[original["id"]]
        assert {name: getattr(record, name) for name in original} == original


def test_a_dictionary_from_a_page_that_failed_is_forgotten(cache_path: Path, feed):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1")], "c1")
    broken = feed.borrower("B2")
    del broken["data"]["name"]
    with pytest.raises(RecordError):
        apply_page(conn, [*interactions(feed, TRAIN_AT + 10), broken], "c2")
    assert conn.execute("SELECT count(*) FROM codec_dict").fetchone()[0] == 0
    apply_page(conn, interactions(feed, 20), "c3")  # must not use the rolled-back dictionary
    assert header_bytes(conn, "interaction") == {0}
    assert len(interactions_page(conn, "B1")) == 20


def test_another_connection_reads_what_the_writer_packed(cache_path: Path, feed):
    writer = connect(cache_path)
    reader = connect(cache_path, readonly=True)
    apply_page(writer, [feed.borrower("B1"), feed.loan("L1")], "c1")
    assert borrower_view(reader, "B1", __import__("datetime").date(2026, 1, 1)) is not None
    apply_page(writer, interactions(feed, TRAIN_AT + 5), "c2")
    page = interactions_page(reader, "B1", limit=5)
    assert len(page) == 5 and page[0].notes


def test_loans_keep_their_whole_schedule(cache_path: Path, feed):
    conn = connect(cache_path)
    template = feed.loan("L")["data"]
    loans = []
    for i in range(TRAIN_AT + 1):
        data = orjson.loads(orjson.dumps(template)) | {"id": f"L{i:05d}", "contract_no": f"HT{i}"}
        for inst in data["schedule"][: i % 30]:
            inst |= {"paid_principal": inst["principal"], "paid_interest": inst["interest"]}
        loans.append(feed.change("loan", data))
    apply_page(conn, [feed.borrower("B1"), *loans], "c1")
    assert 0 not in header_bytes(conn, "loan")
    view = borrower_view(conn, "B1", __import__("datetime").date(2026, 11, 27))
    by_id = {lv.loan.id: lv.loan for lv in view.loans}
    for change in loans[:: TRAIN_AT // 10]:
        loan = by_id[change["id"]]
        assert [vars_of(i) for i in loan.schedule] == change["data"]["schedule"]


def vars_of(inst) -> dict:
    return {name: getattr(inst, name) for name in inst.__slots__}


def test_schedule_rows_keep_objects_of_any_key_order_and_odd_shapes():
    from workbench.store.codec import _from_rows, _to_rows

    same = {"s": [{"a": 1, "b": 2}, {"b": 4, "a": 3}]}
    packed = _to_rows(same, "s")
    assert packed["s"][0] == ["a", "b"]
    assert _from_rows(orjson.loads(orjson.dumps(packed)), "s") == same
    odd = {"s": [{"a": 1, "b": 2}, {"a": 3, "c": 4}]}
    assert _to_rows(odd, "s") is odd
    single = {"s": [{"a": 1}, {"a": 2}]}
    assert _from_rows(orjson.loads(orjson.dumps(_to_rows(single, "s"))), "s") == single
