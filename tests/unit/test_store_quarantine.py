"""Hostile feed records: whatever the core sends, a page is applied, bad records are quarantined,
good ones (markup and escape sequences included: they are text) are stored as sent, and the
cursor moves on. Property-based (hypothesis) over pages mixing good and broken records."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.store import schema
from workbench.store.apply import apply_page, get_cursor
from workbench.store.codec import codec_of
from workbench.store.db import connect
from workbench.store.quarantine import RAW_CAP, quarantine_change, recent_quarantined
from workbench.store.queries import cache_stats
from workbench.store.validate import MAX_RECORD_CHARS

HUGE_TEXT = "x" * (MAX_RECORD_CHARS + 1)
HUGE_LIST = ["13800000000"] * 100_000
HOSTILE_TEXT = [
    "[b]粗体[/b]",
    "[@click=app.quit]退出[/]",
    "\x1b[31m红\x1b[0m\x07",
    "\x00\u202e",
    "]]>",
]

DATE_FIELDS = {"borrower": "birth_date", "vehicle": "insurance_expiry", "loan": "start_date",
               "interaction": "started_at", "payment": "posted_at"}  # fmt: skip
TEXT_FIELDS = {"borrower": "name", "vehicle": "plate", "loan": "contract_no",
               "interaction": "notes", "payment": "channel"}  # fmt: skip
LIST_FIELDS = {"borrower": "phones", "loan": "schedule"}


def good_change(feed, entity: str, n: int) -> dict:
    if entity == "borrower":
        return feed.borrower(f"B{n}")
    if entity == "vehicle":
        return feed.vehicle(f"V{n}")
    if entity == "loan":
        return feed.loan(f"L{n}")
    if entity == "interaction":
        return feed.interaction(f"I{n}")
    return feed.payment(f"P{n}")


def wrong_type(value):
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return "12"
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return {"not": "a list"}
    return [1, 2, 3]


def mutate(change: dict, how: str, pick: int) -> bool:
    """Break (or, for ``hostile_text``, merely decorate) a change; True if it stays good."""
    entity, data = change["entity"], change["data"]
    fields = sorted(k for k in data if k != "id" and data[k] is not None)
    field = fields[pick % len(fields)]
    if how == "good":
        return True
    if how == "hostile_text":
        data[TEXT_FIELDS[entity]] = HOSTILE_TEXT[pick % len(HOSTILE_TEXT)]
        return True
    if how == "drop":
        required = [k for k in ("borrower_id", "name", "amount", "vin", "schedule") if k in data]
        del data[(required or [field])[pick % len(required or [field])]]
    elif how == "retype":
        data[field] = wrong_type(data[field])
    elif how == "bad_date":
        data[DATE_FIELDS[entity]] = ["2026-02-30", "yesterday", "2026-11-27 10:00", ""][pick % 4]
        if entity == "borrower" and data["birth_date"] == "":
            data["birth_date"] = "1990-13-01"
    elif how == "huge_text":
        data[TEXT_FIELDS[entity]] = HUGE_TEXT
    elif how == "huge_list":
        data[LIST_FIELDS.get(entity, "id_list")] = HUGE_LIST
        if entity not in LIST_FIELDS:  # an unknown extra field still counts against the size
            data["id_list"] = HUGE_LIST * 11
    elif how == "unknown_entity":
        change["entity"] = "spaceship"
    elif how == "bad_op":
        change["op"] = "merge"
    elif how == "no_id":
        change["id"] = [None, "", 5, "x" * 500][pick % 4]
    elif how == "id_mismatch":
        data["id"] = data["id"] + "-other"
    return False


ENTITIES = ["borrower", "vehicle", "loan", "interaction", "payment"]
HOW = ["good", "good", "hostile_text", "drop", "retype", "bad_date", "huge_text", "huge_list",
       "unknown_entity", "bad_op", "no_id", "id_mismatch", "not_object"]  # fmt: skip

page_plans = st.lists(
    st.tuples(st.sampled_from(ENTITIES), st.sampled_from(HOW), st.integers(0, 50)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=page_plans)
def test_a_hostile_page_is_applied_around_its_bad_records(feed, plan):
    changes, expected, bad = [], {}, 0
    for n, (entity, how, pick) in enumerate(plan):
        if how == "not_object":
            changes.append([["junk"], "junk", 42, None][pick % 4])
            bad += 1
            continue
        change = good_change(feed, entity, n)
        if mutate(change, how, pick):
            expected[(entity, change["id"])] = copy.deepcopy(change["data"])
        else:
            bad += 1
        changes.append(change)
    with tempfile.TemporaryDirectory() as folder:
        conn = connect(Path(folder) / "cache.db")
        try:
            applied = apply_page(conn, changes, "c1", on_bad_record=quarantine_change)
            assert applied == len(expected)
            assert get_cursor(conn) == "c1"
            assert cache_stats(conn)["quarantined"] == bad
            codec = codec_of(conn)
            for (entity, rid), data in expected.items():
                row = conn.execute(
                    f"SELECT {schema.row_columns(entity)} FROM {entity} WHERE id = ?", (rid,)
                ).fetchone()
                assert codec.unpack(conn, entity, row) == data
            assert all(len(q.raw) <= RAW_CAP + 1 for q in recent_quarantined(conn, 100))
        finally:
            conn.close()


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_markup_and_escapes_are_stored_as_the_text_they_are(cache_path, feed, text):
    conn = connect(cache_path)
    apply_page(conn, [feed.interaction("I1", notes=text)], "c1", on_bad_record=quarantine_change)
    row = conn.execute("SELECT * FROM interaction WHERE id = 'I1'").fetchone()
    assert codec_of(conn).unpack(conn, "interaction", row)["notes"] == text
    assert cache_stats(conn)["quarantined"] == 0


def test_a_quarantined_record_keeps_its_reason_and_a_cut_raw_copy(cache_path, feed):
    conn = connect(cache_path)
    big = feed.interaction("I1", notes=HUGE_TEXT)
    apply_page(conn, [big], "c1", on_bad_record=quarantine_change)
    (kept,) = recent_quarantined(conn)
    assert (kept.entity, kept.record_id, kept.seq) == ("interaction", "I1", str(big["seq"]))
    assert "too large" in kept.reason
    assert len(kept.raw) == RAW_CAP + 1 and kept.raw.startswith('{"seq"')


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("how", sorted(set(HOW) - {"not_object"}))
@pytest.mark.parametrize("pick", [0, 3])
def test_each_kind_of_damage_to_each_entity(cache_path, feed, entity, how, pick):
    change = good_change(feed, entity, 1)
    stays_good = mutate(change, how, pick)
    conn = connect(cache_path)
    applied = apply_page(conn, [change], "c1", on_bad_record=quarantine_change)
    assert (applied, cache_stats(conn)["quarantined"]) == ((1, 0) if stays_good else (0, 1))


@pytest.mark.parametrize("entity", [["borrower"], {"a": 1}, None, 7, "x" * 10_000])
def test_an_entity_that_is_not_a_name_is_quarantined(cache_path, feed, entity):
    change = feed.borrower("B1") | {"entity": entity}
    conn = connect(cache_path)
    assert apply_page(conn, [change], "c1", on_bad_record=quarantine_change) == 0
    assert cache_stats(conn)["quarantined"] == 1
