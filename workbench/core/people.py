"""Demo people: names, 身份证 numbers, mobile numbers, bank cards, addresses, employers.

All functions take a seeded ``random.Random`` (or pure integers) so the demo is reproducible.
"""

from __future__ import annotations

from datetime import date
from itertools import accumulate
from random import Random

from workbench.core.geo import ESTATES, PROVINCES, ROADS, City, Province
from workbench.core.names import (
    EMPLOYER_TRADES,
    EMPLOYER_WORDS,
    FEMALE_CHARS,
    MALE_CHARS,
    SOLE_EMPLOYERS,
    STATE_EMPLOYERS,
    SURNAMES,
)
from workbench.domain.checkdigits import id_check_digit

_SURNAME_LIST = tuple(s for s, _ in SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w in SURNAMES))
_PROVINCE_CUM = tuple(accumulate(p.weight for p in PROVINCES))

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195",
    "198", "199",
)  # fmt: skip

# (issuer BIN, card length): real debit-card prefixes of the big banks.
CARD_BINS = (
    ("622202", 19), ("621226", 19), ("621700", 19), ("622700", 19), ("622848", 19),
    ("623052", 19), ("621661", 19), ("622262", 19), ("622588", 16), ("621483", 16),
)  # fmt: skip

_HALF = 10_000  # the eight-digit tail is two halves of four digits each


def person_name(rng: Random, gender: str) -> str:
    """A Chinese name; about 40 % have a single-character given name (张伟, 王芳)."""
    surname = rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    if rng.random() < 0.4:
        return surname + rng.choice(chars)
    return surname + rng.choice(chars) + rng.choice(chars)


def pick_province(rng: Random) -> Province:
    return rng.choices(PROVINCES, cum_weights=_PROVINCE_CUM)[0]


def id_number(rng: Random, region_code: str, birth: date, gender: str) -> str:
    """An 18-digit 身份证 number: region, birth date, sequence (odd for men), check digit."""
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
    first17 = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def mobile_number(seed: int, borrower_index: int, slot: int) -> str:
    """The mobile number in ``slot`` (0–3) of a borrower: a pure function, unique per slot.

    The last eight digits are a bijection of ``borrower_index * 4 + slot``, so two borrowers
    never share a number by accident (only on purpose: spouses), up to 25 million borrowers.
    The bijection is a small Feistel network, so neighbouring borrowers' numbers (and their
    last four digits) look unrelated, as real numbers do.
    """
    n = borrower_index * 4 + slot
    tail = _scramble(n % 100_000_000, seed)
    prefix = MOBILE_PREFIXES[(n * 2_654_435_761 + seed) % len(MOBILE_PREFIXES)]
    return f"{prefix}{tail:08d}"


def _scramble(value: int, seed: int) -> int:
    """A keyed permutation of 0 .. 10**8 - 1 (four Feistel rounds on two base-10**4 halves)."""
    left, right = divmod(value, _HALF)
    for round_no in range(4):
        mixed = ((right + 1) * 2_654_435_761 + seed * 40_503 + round_no * 97) % 4_294_967_291
        left, right = right, (left + mixed) % _HALF
    return left * _HALF + right


def landline(rng: Random, city: City) -> str:
    first = rng.choice("2345678")
    rest = rng.randrange(10 ** (city.local_digits - 1))
    return f"{city.area_code}{first}{rest:0{city.local_digits - 1}d}"


def bank_card(rng: Random) -> str:
    """A debit-card number with a real bank BIN and a valid Luhn check digit."""
    bin_, length = rng.choice(CARD_BINS)
    body = bin_ + "".join(str(d) for d in rng.choices(range(10), k=length - len(bin_) - 1))
    return body + _luhn_digit(body)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def street_line(rng: Random) -> str:
    """The street part of an address: ``人民路188号阳光花园3栋2单元1502室``."""
    floor = rng.randrange(1, 33)
    return (
        f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号{rng.choice(ESTATES)}"
        f"{rng.randrange(1, 40)}栋{rng.randrange(1, 6)}单元{floor}{rng.randrange(1, 9):02d}室"
    )


def employer(rng: Random, city: City) -> str:
    roll = rng.random()
    short_city = city.name.removesuffix("市")
    if roll < 0.15:
        return rng.choice(SOLE_EMPLOYERS)
    if roll < 0.35:
        return rng.choice(STATE_EMPLOYERS).format(city=short_city)
    return f"{short_city}{rng.choice(EMPLOYER_WORDS)}{rng.choice(EMPLOYER_TRADES)}"
