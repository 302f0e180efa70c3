"""Interaction times stored as whole seconds (schema v7): every record reads back exactly as it
came, the history keeps its order, and a cache made before v7 is moved over losing nothing."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import orjson
import pytest

from workbench.store import schema
from workbench.store.apply import apply_page
from workbench.store.codec import Codec, codec_of
from workbench.store.db import connect
from workbench.store.queries import interactions_page
from workbench.store.times import from_column, to_column


def test_seconds_and_text_round_trip_exactly():
    rng = random.Random(7)
    for seconds in [
        0,
        -1,
        86_399,
        86_400,
        1_795_768_200,
        *rng.sample(range(-(10**9), 4 * 10**9), 2000),
    ]:
        assert to_column(from_column(seconds)) == (seconds, True)
    assert to_column("2026-11-27T08:30:00Z") == (1_795_768_200, True)
    assert from_column(1_795_768_200) == "2026-11-27T08:30:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27T08:30:00.750Z",  # a fraction of a second: stored as its whole seconds
        "2026-11-27T08:30:00.000000Z",
        "2026-W48-5T08:30:00Z",  # an ISO week date of the same day
    ],
)
def test_other_accepted_forms_are_not_exact_but_keep_their_second(text: str):
    assert to_column(text) == (1_795_768_200, False)


@pytest.mark.parametrize(
    "text", ["2026-11-27T24:00:00Z", "2026-02-30T08:30:00Z", "2026-11-27T08:30:60Z", "昨天"]
)
def test_what_is_not_a_time_is_refused(text: str):
    with pytest.raises(ValueError):
        to_column(text)


def test_interactions_read_back_exactly_and_in_order(cache_path: Path, feed):
    conn = connect(cache_path)
    times = {
        "I1": "2026-11-27T08:29:59Z",
        "I2": "2026-11-27T08:30:00.750Z",
        "I3": "2026-11-27T08:30:00Z",
        "I4": "2019-01-01T00:00:00Z",
    }
    apply_page(conn, [feed.interaction(iid, started_at=at) for iid, at in times.items()], "c1")
    stored = dict(conn.execute("SELECT id, started_at FROM interaction"))
    assert stored == {iid: to_column(at)[0] for iid, at in times.items()}
    assert {type(v) for v in stored.values()} == {int}
    page = interactions_page(conn, "B1")
    assert [(i.id, i.started_at) for i in page] == [
        ("I3", "2026-11-27T08:30:00Z"),  # the same second as I2: newer id first, as before
        ("I2", "2026-11-27T08:30:00.750Z"),
        ("I1", "2026-11-27T08:29:59Z"),
        ("I4", "2019-01-01T00:00:00Z"),
    ]
    codec = codec_of(conn)  # the text is kept in the record only when it is not exact
    kept = {
        rid: "started_at" in codec.decode(conn, blob)
        for rid, blob in conn.execute("SELECT id, data FROM interaction")
    }
    assert kept == {"I1": False, "I2": True, "I3": False, "I4": False}
    conn.close()


def test_v7_moves_times_to_seconds_keeping_every_record(v3_cache: Path):
    path = v3_cache
    raw = sqlite3.connect(path)
    odd = {"id": "IODD", "channel": "note", "notes": "毫秒", "outcome": "resolved"}
    for rid, at in (("IODD", "2026-11-27T08:30:00.250Z"), ("IBAD", "昨天下午")):
        raw.execute(  # rows in plain JSON (header byte 0): a fraction of a second, no time
            "INSERT INTO interaction (id, borrower_id, started_at, data) VALUES (?, ?, ?, ?)",
            (rid, "B000001", at, b"\x00" + orjson.dumps(odd | {"id": rid})),
        )
    raw.commit()
    codec = Codec()
    codec.refresh(raw)
    rows = raw.execute(f"SELECT {schema.row_columns('interaction')} FROM interaction")
    before = {row[0]: codec.unpack(raw, "interaction", row) for row in rows}
    raw.close()

    conn = connect(path)  # v4 … v7 run
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS) >= 7
    codec = codec_of(conn)
    rows = conn.execute(f"SELECT {schema.row_columns('interaction')} FROM interaction")
    assert {row[0]: codec.unpack(conn, "interaction", row) for row in rows} == before
    types = {t for (t,) in conn.execute("SELECT DISTINCT typeof(started_at) FROM interaction")}
    assert types == {"integer"}
    odd = dict(conn.execute("SELECT id, started_at FROM interaction WHERE id LIKE 'I___'"))
    assert odd == {"IODD": 1_795_768_200, "IBAD": 0}  # no time: first in order, text kept
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM interaction WHERE borrower_id = ? "
        "ORDER BY started_at DESC, id DESC",
        ("B000001",),
    ).fetchall()
    assert "interaction_by_borrower" in str(plan)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
