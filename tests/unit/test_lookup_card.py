"""A borrower's lookup card (schema v6): what a lookup lists for them, read without decoding.

The card must give exactly the result rows the record gives, for every kind of query; when it
cannot (a value holding the separator, a number that is not plain digits, two numbers with the
same last four digits under a full-phone match) the lookup reads the record instead.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from workbench.store import records, schema
from workbench.store.apply import apply_page
from workbench.store.codec import LEVELS, Codec, codec_of
from workbench.store.db import connect
from workbench.store.queries import lookup

AS_OF = date(2026, 11, 27)


def _phone(number: str) -> dict:
    return {"number": number, "kind": "mobile", "consent": True, "do_not_call": False}


def _cards(conn) -> dict[str, str | None]:
    return dict(conn.execute("SELECT id, card FROM borrower"))


def _parts(conn) -> dict[str, list[str] | None]:
    return {bid: card and records.card_parts(card) for bid, card in _cards(conn).items()}


def _records(conn, entity: str) -> dict[str, dict]:
    codec = Codec()
    codec.refresh(conn)
    rows = conn.execute(f"SELECT {schema.row_columns(entity)} FROM {entity}")
    return {row[0]: codec.unpack(conn, entity, row) for row in rows}


def _queries(conn) -> list[str]:
    """Every search key of the cache, and the first characters of some: each kind of query."""
    keys = sorted({row[0] for row in conn.execute("SELECT key FROM search_key")})
    return keys + sorted({key[:2] for key in keys} | {key[:3] for key in keys})


def test_the_card_gives_the_rows_the_records_give(demo_cache: Path, tmp_path: Path):
    copy = tmp_path / "no-cards.db"
    with closing(sqlite3.connect(demo_cache)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
        dst.execute("UPDATE borrower SET card = NULL")  # every hit from its record
        dst.commit()
    carded, plain = connect(demo_cache, readonly=True), connect(copy, readonly=True)
    try:
        cards = _cards(carded)
        assert all(cards.values())  # the demo's borrowers all have plain values
        queries = _queries(carded)
        assert len(queries) > 1000
        for query in queries:
            assert lookup(carded, query, as_of=AS_OF) == lookup(plain, query, as_of=AS_OF), query
    finally:
        carded.close()
        plain.close()


def test_a_card_is_kept_in_step_with_its_record(cache_path: Path, feed):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1")], "c1")
    assert _parts(conn) == {"B1": ["张伟", "110***********123X", "北京市", "138****5678"]}
    assert len(_cards(conn)["B1"].encode()) == 38  # not 47: a run of stars takes 3 bytes
    address = {"province": "天津市", "city": "天津市", "district": "和平区", "line": "1号"}
    moved = feed.borrower("B1", name="张伟明", address=address)
    moved["data"]["phones"].append(_phone("13900001111"))
    apply_page(conn, [moved], "c2")
    assert _parts(conn) == {
        "B1": ["张伟明", "110***********123X", "天津市", "138****5678", "139****1111"]
    }
    [hit] = lookup(conn, "1111", as_of=AS_OF)
    assert (hit.name, hit.city, hit.masked_phone) == ("张伟明", "天津市", "139****1111")
    conn.close()


@pytest.mark.parametrize(
    ("change", "query", "phone"),
    [
        ({"name": "张\x1f伟"}, "zw", "138****5678"),  # the separator in a value
        ({"name": "张\ue003伟"}, "zw", "138****5678"),  # a character runs of stars are kept as
        ({"phones": [_phone("138-1234-5678")]}, "5678", "*********5678"),  # not plain digits
        ({"phones": [_phone("1234")]}, "zw", "****"),  # too short to show its last four
    ],
)
def test_odd_values_have_no_card_and_are_read_from_the_record(
    cache_path: Path, feed, change, query, phone
):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1", **change)], "c1")
    assert _cards(conn) == {"B1": None}
    [hit] = lookup(conn, query, as_of=AS_OF)
    assert hit.masked_phone == phone
    conn.close()


def test_a_full_phone_shows_the_number_it_matched_among_same_ending_ones(cache_path: Path, feed):
    conn = connect(cache_path)
    phones = [_phone("13812345678"), _phone("13912345678"), _phone("13700005678")]
    apply_page(conn, [feed.borrower("B1", phones=phones)], "c1")
    assert _cards(conn)["B1"]  # plain numbers: a card, which cannot tell these two apart
    assert lookup(conn, "13912345678", as_of=AS_OF)[0].masked_phone == "139****5678"
    assert lookup(conn, "13700005678", as_of=AS_OF)[0].masked_phone == "137****5678"
    assert lookup(conn, "5678", as_of=AS_OF)[0].masked_phone == "138****5678"  # the first
    conn.close()


def test_v6_adds_the_cards_and_recompresses_without_changing_a_record(v3_cache: Path):
    path = v3_cache
    raw = sqlite3.connect(path)
    before = {entity: _records(raw, entity) for entity in ("borrower", "interaction", "loan")}
    raw.close()

    conn = connect(path)  # v4, v5 and v6 run
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS) >= 6
    for entity, records_before in before.items():
        assert _records(conn, entity) == records_before
    cards = _cards(conn)
    assert cards == {bid: records.lookup_card(data) for bid, data in before["borrower"].items()}
    assert all(cards.values())
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.parametrize("entity", ["borrower", "interaction"])
def test_small_records_are_compressed_harder(cache_path: Path, feed, entity):
    """Borrowers and interactions are written at their ``LEVELS``: smaller than at level 3."""
    import orjson
    import zstandard as zstd

    conn = connect(cache_path)
    if entity == "borrower":
        changes = [feed.borrower(f"X{n:04d}", employer=f"第{n}公司") for n in range(1100)]
    else:
        changes = [feed.interaction(f"X{n:04d}", notes=f"第{n}次来电") for n in range(1100)]
    apply_page(conn, changes, "c1")
    codec = codec_of(conn)
    assert codec.has_dictionary(entity) and LEVELS[entity] > 3
    rows = conn.execute(f"SELECT data FROM {entity}").fetchall()
    dict_id = rows[0][0][0]
    raw = conn.execute("SELECT dict FROM codec_dict WHERE id = ?", (dict_id,)).fetchone()[0]
    params = zstd.ZstdCompressionParameters.from_level(
        3, format=zstd.FORMAT_ZSTD1_MAGICLESS, write_checksum=0, write_content_size=1,
        write_dict_id=0,
    )  # fmt: skip
    level3 = zstd.ZstdCompressor(dict_data=zstd.ZstdCompressionDict(raw), compression_params=params)
    stored = sum(len(row[0]) - 1 for row in rows)
    at_three = sum(len(level3.compress(orjson.dumps(codec.decode(conn, row[0])))) for row in rows)
    assert stored < at_three * 0.97
    conn.close()
