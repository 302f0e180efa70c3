"""Check digits of 身份证 numbers (GB 11643-1999) and vehicle VINs (ISO 3779 / GB 16735).

>>> id_check_digit("11010519491231002")
'X'
>>> vin_check_digit("1M8GDM9A_KP042788")
'X'
"""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # indexed by the weighted sum mod 11

_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_LETTERS = "A1 B2 C3 D4 E5 F6 G7 H8 J1 K2 L3 M4 N5 P7 R9 S2 T3 U4 V5 W6 X7 Y8 Z9"
_VIN_VALUES = {str(d): d for d in range(10)} | {p[0]: int(p[1]) for p in _VIN_LETTERS.split()}
"""ISO 3779 transliteration; I, O and Q are not allowed in a VIN."""


def id_check_digit(first17: str) -> str:
    """The check character (``"0"``–``"9"`` or ``"X"``) of a 身份证 number's first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"need the first 17 digits of an ID number, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_no(s: str) -> bool:
    """True for an 18-character 身份证 number with a real birth date and the right check digit.

    A lowercase ``x`` is accepted as the check character, as people type it.
    """
    if len(s) != 18 or not (s[:17].isascii() and s[:17].isdigit()):
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return id_check_digit(s[:17]) == s[17].upper()


def vin_check_digit(vin17_with_placeholder: str) -> str:
    """The check digit (position 9) of a 17-character VIN; position 9 itself is ignored.

    Raises ``ValueError`` for a wrong length or a character a VIN cannot hold (I, O, Q, …).
    """
    vin = vin17_with_placeholder.upper()
    if len(vin) != 17:
        raise ValueError(f"a VIN has 17 characters, got {len(vin)}: {vin17_with_placeholder!r}")
    bad = [c for i, c in enumerate(vin) if i != 8 and c not in _VIN_VALUES]
    if bad:
        raise ValueError(f"not allowed in a VIN: {''.join(bad)!r} (I, O, Q never appear)")
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True) if w)
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(s: str) -> bool:
    """True for a 17-character VIN (any letter case) whose 9th character is its check digit."""
    vin = s.upper()
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        return False
    return vin_check_digit(vin) == vin[8]
