"""身份证 (GB 11643-1999) and VIN (ISO 3779 / GB 16735) check digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.domain.checkdigits import (
    id_check_digit,
    is_valid_id_no,
    is_valid_vin,
    vin_check_digit,
)


@pytest.mark.parametrize(
    ("id_no", "check"),
    [
        ("11010519491231002X", "X"),  # the standard's own example
        ("440524188001010014", "4"),
    ],
)
def test_known_id_numbers(id_no, check):
    assert id_check_digit(id_no[:17]) == check
    assert is_valid_id_no(id_no)


def test_id_check_digit_by_hand():
    # 1×7 + 1×9 + 0×10 + 1×5 + 0×8 + 5×4 + 1×2 + 9×1 + 4×6 + 9×3 + 1×7 + 2×9 + 3×10 + 1×5
    # + 0×8 + 0×4 + 2×2 = 167 ≡ 2 (mod 11) → "10X98765432"[2] = "X"
    assert id_check_digit("11010519491231002") == "X"


def test_id_rejects_wrong_check_length_and_dates():
    assert not is_valid_id_no("110105194912310021")  # wrong check digit
    assert is_valid_id_no("11010519491231002x")  # lowercase x as typed
    assert not is_valid_id_no("11010519491231002")  # 17 chars
    assert not is_valid_id_no("11010519491231002XX")
    assert not is_valid_id_no("1101051949123100２X")  # full-width digit
    first17 = "11010519490230002"  # 1949-02-30 does not exist
    assert not is_valid_id_no(first17 + id_check_digit(first17))
    leap = "11010520000229002"  # 2000-02-29 does
    assert is_valid_id_no(leap + id_check_digit(leap))
    with pytest.raises(ValueError):
        id_check_digit("1101051949123100X")


@given(st.text("0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_fits(first17):
    fits = [c for c in "0123456789X" if id_check_digit(first17) == c]
    assert len(fits) == 1


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP042788",  # ISO 3779 textbook example, check digit X
        "11111111111111111",  # all ones: the check digit is 1
        "1HGCM82633A004352",  # widely quoted Honda example
        "JHMCM56557C404453",
    ],
)
def test_known_vins(vin):
    assert is_valid_vin(vin)
    assert vin_check_digit(vin) == vin[8]


def test_vin_placeholder_and_errors():
    assert vin_check_digit("1M8GDM9A_KP042788") == "X"
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"  # position 9 is ignored
    assert is_valid_vin("1m8gdm9axkp042788")  # case-insensitive
    assert not is_valid_vin("1M8GDM9A1KP042788")  # wrong check digit
    assert not is_valid_vin("1M8GDM9AXKP04278")  # 16 chars
    assert not is_valid_vin("1M8GDM9AXKP0427O8")  # letter O
    for bad in ("IM8GDM9A_KP042788", "QM8GDM9A_KP042788", "1M8GDM9A_KP04278"):
        with pytest.raises(ValueError):
            vin_check_digit(bad)
