"""Money formatting/parsing and PII masking: the one formatter and the one masker."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.domain.money import format_fen, parse_yuan
from workbench.domain.pii import mask_card, mask_id_no, mask_phone


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (299260, "¥2,992.60"),
        (1234567, "¥12,345.67"),
        (10_000_000, "¥100,000.00"),
        (-150, "-¥1.50"),
    ],
)
def test_format_fen(fen, text):
    assert format_fen(fen) == text


def test_format_fen_other_symbol():
    assert format_fen(100, symbol="") == "1.00"


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("2,992.6", 299260),
        ("2992.60", 299260),
        ("¥2,992.60", 299260),
        ("￥ 100", 10000),
        ("100元", 10000),
        (" 0.05 ", 5),
        ("-¥1.5", -150),
        ("¥-1.5", -150),
        ("１,２３４．５", 123450),  # full-width, as a Chinese input method types it
        ("１２３元", 12300),
    ],
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "¥", "abc", "1.234", "1,23", "12,3456", "1e3", "--5", "-¥-5", ".5", "5.",
     "١٢٣", "5 5", "NaN", "100美元"],
)  # fmt: skip
def test_parse_yuan_refuses_bad_input(bad):
    with pytest.raises(ValueError, match="not an amount"):
        parse_yuan(bad)


@given(st.integers(-(10**12), 10**12))
def test_parse_reads_what_format_writes(fen):
    assert parse_yuan(format_fen(fen)) == fen


def test_mask_id_no():
    assert mask_id_no("110101199003071234") == "110***********1234"
    assert mask_id_no("11010519491231002X") == "110***********002X"
    assert mask_id_no("1234") == "****"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("01062345678") == "*******5678"  # landline: last four only
    assert mask_phone("075512345678") == "********5678"
    assert mask_phone("110") == "***"


def test_mask_card():
    assert mask_card("6222021234567890123") == "6222 **** **** 0123"
    assert mask_card("6222 0212 3456 7890") == "6222 **** **** 7890"
    assert mask_card("12345678") == "********"


@given(st.text("0123456789", min_size=15, max_size=19))
def test_masks_never_show_the_middle(digits):
    for masked in (mask_id_no(digits), mask_phone(digits), mask_card(digits)):
        assert digits[4:-4] not in masked.replace(" ", "")
