"""One search box finds a borrower by phone, ID tail, contract, plate, name or pinyin."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store import search
from workbench.store.apply import apply_page
from workbench.store.db import connect
from workbench.store.queries import lookup


@pytest.fixture
def conn(cache_path: Path, feed):
    conn = connect(cache_path)
    page = [
        feed.borrower("B1"),  # 张伟, 13812345678, id …07123X
        feed.borrower(
            "B2",
            name="张伟明",
            id_no="310101198505051234",
            phones=[
                {"number": "13900005678", "kind": "mobile"},
                {"number": "02155551234", "kind": "home"},
            ],
        ),
        feed.borrower("B3", name="欧阳伟明", id_no="440101197001011111", phones=[]),
        feed.borrower("B4", name="李娜", id_no="440101197001012222", phones=[]),
        feed.vehicle("V1", "B1", plate="京A·12345"),
        feed.vehicle("V2", "B2", plate="沪B-88888"),
        feed.loan("L1", "B1", contract_no="HT2025-000001"),
        feed.loan("L2", "B2", contract_no="ht2025-000002"),
    ]
    apply_page(conn, page, "c1")
    yield conn
    conn.close()


def ids(hits) -> list[str]:
    return [h.borrower_id for h in hits]


def test_normalize_folds_fullwidth_and_drops_separators():
    assert search.normalize(" １３８-1234 5678 ") == "13812345678"
    assert search.normalize("京Ａ·１２３４５") == "京A12345"
    assert search.normalize("阿卜杜拉·买买提") == "阿卜杜拉买买提"


def test_borrower_keys_cover_every_way_to_find_them():
    keys = search.borrower_keys(
        {"name": "张伟明", "id_no": "11010119900307123x", "phones": [{"number": "13812345678"}]}
    )
    assert keys == {
        ("13812345678", "p"),
        ("5678", "p4"),
        ("07123X", "i6"),
        ("张伟明", "n"),
        ("伟明", "n2"),  # 张伟 is found by the name prefix, so it is not stored twice
        ("zwm", "pi"),
        ("zhangweiming", "pf"),
    }


def test_full_phone(conn):
    hits = lookup(conn, "13812345678")
    assert ids(hits) == ["B1"]
    assert hits[0].matched_by == "phone"
    assert hits[0].masked_phone == "138****5678"


def test_full_phone_typed_with_spaces_dashes_and_fullwidth_digits(conn):
    assert ids(lookup(conn, "138 1234-5678")) == ["B1"]
    assert ids(lookup(conn, "１３８１２３４５６７８")) == ["B1"]


def test_last4_finds_every_borrower_with_such_a_phone_and_shows_the_matching_one(conn):
    hits = lookup(conn, "5678")
    assert ids(hits) == ["B1", "B2"]
    assert {h.matched_by for h in hits} == {"phone_last4"}
    assert hits[1].masked_phone == "139****5678"
    assert lookup(conn, "1234")[0].masked_phone == "*******1234"  # the landline


def test_id_last6_and_full_id(conn):
    assert ids(lookup(conn, "07123x")) == ["B1"]
    assert lookup(conn, "07123X")[0].matched_by == "id_last6"
    assert ids(lookup(conn, "051234")) == ["B2"]
    assert ids(lookup(conn, "11010119900307123X")) == ["B1"]
    assert lookup(conn, "99999919900307123X") == []  # same tail, different number


def test_two_character_name_finds_exact_first_then_longer_names(conn):
    hits = lookup(conn, "张伟")
    assert ids(hits) == ["B1", "B2"]
    assert hits[0].matched_by == hits[1].matched_by == "name"


def test_name_substring_that_does_not_start_the_name(conn):
    assert ids(lookup(conn, "伟明")) == ["B2", "B3"]
    assert ids(lookup(conn, "阳伟明")) == ["B3"]
    assert ids(lookup(conn, "欧阳伟明")) == ["B3"]
    assert lookup(conn, "阳伟x") == []


def test_pinyin_initials_and_full_pinyin(conn):
    assert ids(lookup(conn, "zw")) == ["B1", "B2"]  # exact initials first, then zwm
    assert ids(lookup(conn, "ZW"))[:1] == ["B1"]
    assert ids(lookup(conn, "zhangwei")) == ["B1", "B2"]
    assert ids(lookup(conn, "zhang wei ming")) == ["B2"]
    assert lookup(conn, "ln")[0].matched_by == "pinyin"


def test_contract_number_any_case_and_separators(conn):
    assert ids(lookup(conn, "HT2025-000002")) == ["B2"]
    assert ids(lookup(conn, "ht2025000002")) == ["B2"]
    assert lookup(conn, "HT2025-000002")[0].matched_by == "contract"
    assert ids(lookup(conn, "HT2025")) == ["B1", "B2"]  # prefix


def test_plate_with_and_without_separator_and_province(conn):
    for query in ("京A·12345", "京A12345", "京a 12345", "A12345", "a12345"):
        hits = lookup(conn, query)
        assert ids(hits) == ["B1"], query
        assert hits[0].matched_by == "plate"
    assert ids(lookup(conn, "沪B88888")) == ["B2"]


def test_hits_are_masked(conn):
    hit = lookup(conn, "13812345678")[0]
    assert hit.masked_id_no == "110***********123X"
    assert "13812345678" not in repr(hit)
    assert hit.city == "北京市"
    assert hit.worst_bucket.startswith("M")


def test_limit_and_dedupe(conn):
    assert len(lookup(conn, "zw", limit=1)) == 1
    hits = lookup(conn, "zhang")  # B1 and B2 match by several keys; each appears once
    assert ids(hits) == ["B1", "B2"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "OR",
        "zw OR 1=1",
        'NEAR("张" "伟")',
        "%",
        "_",
        "%伟%",
        "张_",
        "'; DROP TABLE x; --",
        "",
        "   ",
        "\x00",
        "[VIP]",
        "\\",
        "\U0010ffff",
    ],
)
def test_query_syntax_typed_in_the_box_is_just_text(conn, query):
    assert lookup(conn, query) == []


def test_wildcards_do_not_match_everything(conn):
    assert lookup(conn, "1%") == []
    assert lookup(conn, "张%") == []


def test_a_prefix_scan_of_digits_reads_at_most_its_cap_of_keys_in_key_order(conn):
    """The cap changes nothing while the range is smaller; past it, the first matches in key
    order are found and the scan stops. Other prefixes are never capped (a surname such as
    苏 sorts after every 苏A… plate)."""
    phones = search.Probe("13", (search.PHONE,), prefix=True)
    whole = search.run_probe(conn, phones, 50)
    assert [m.key for m in whole] == ["13812345678", "13900005678"]
    assert search.run_probe(conn, phones, 50, scan_limit=2) == whole
    assert search.run_probe(conn, phones, 50, scan_limit=1) == whole[:1]
    assert search.run_probe(conn, search.Probe("13", (search.CONTRACT,), True), 50) == []
    contracts = search.Probe("HT", (search.CONTRACT,), prefix=True)
    assert len(search.run_probe(conn, contracts, 50, scan_limit=1)) == 2


def test_a_name_prefix_that_is_a_province_skips_its_plates(cache_path: Path, feed):
    """京 starts every 京A… plate key before 京明-style names: those are not read for names; a
    name with a capital right after 京 is found once the capital is typed."""
    conn = connect(cache_path)
    page = [feed.borrower(f"B{n}", name="京明" if n % 2 else "京华", phones=[]) for n in range(6)]
    page += [feed.vehicle(f"V{n}", f"P{n}", plate=f"京A·{n:05d}") for n in range(40)]
    page += [feed.borrower("B9", name="京A", phones=[])]  # not a real name
    apply_page(conn, page, "c1")
    try:
        names = search.Probe("京", (search.NAME,), prefix=True)
        assert search._name_ranges(names) == [("京", "京A"), ("京[", "京\U0010ffff")]
        found = search.run_probe(conn, names, 50)
        assert sorted(m.borrower_id for m in found) == ["B0", "B1", "B2", "B3", "B4", "B5"]
        assert len(search.run_probe(conn, names, 3)) == 3
        assert [h.borrower_id for h in lookup(conn, "京华")] == ["B0", "B2", "B4"]
        assert next(h.borrower_id for h in lookup(conn, "京A")) == "B9"
        plates = search.Probe("京A", (search.PLATE,), prefix=True)
        assert len(search.run_probe(conn, plates, 50)) == 40  # a plate probe reads one range
    finally:
        conn.close()
