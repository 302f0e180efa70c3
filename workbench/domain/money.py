"""Money is an ``int`` of fen (分) everywhere; this is the one place that formats and parses it."""

from __future__ import annotations

import re

_AMOUNT = re.compile(
    r"\s*(-)?\s*¥?\s*(-)?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?\s*(元)?\s*",
    re.ASCII,
)
# What a Chinese input method types in full width: digits, ，．－ ￥ and the ideographic space.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－￥\u3000", "0123456789,.-¥ ")


def format_fen(fen: int, *, symbol: str = "¥") -> str:
    """Format fen as yuan with thousands separators: ``format_fen(1234567)`` → ``'¥12,345.67'``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """Parse what a person types as an amount in yuan into fen.

    ``parse_yuan("2,992.6")`` → ``299260``; accepts ``¥``/``￥``, a trailing ``元``, a minus sign
    before or after the symbol, and full-width digits and punctuation (``１,２３４．５``).
    Raises ``ValueError`` with a reason for anything else (more than 2 decimals, letters, empty,
    digits of other scripts).
    """
    match = _AMOUNT.fullmatch((text or "").translate(_FULL_WIDTH))
    if not match or (match.group(1) and match.group(2)):
        raise ValueError(f"not an amount in yuan: {text!r}")
    minus_before, minus_after, whole, decimals, _ = match.groups()
    negative = minus_before or minus_after
    fen = int(whole.replace(",", "")) * 100 + int((decimals or "0").ljust(2, "0"))
    return -fen if negative else fen
