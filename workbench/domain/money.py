"""Money is an ``int`` of fen (分) everywhere; this is the one place that formats and parses it."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"^\s*[¥￥]?\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*(元)?\s*$")


def format_fen(fen: int, *, symbol: str = "¥") -> str:
    """Format fen as yuan with thousands separators: ``format_fen(1234567)`` → ``'¥12,345.67'``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text: str) -> int:
    """Parse what a person types as an amount in yuan into fen.

    ``parse_yuan("2,992.6")`` → ``299260``; accepts ``¥``/``￥`` and a trailing ``元``.
    Raises ``ValueError`` with a reason for anything else (more than 2 decimals, letters, empty).
    """
    match = _AMOUNT.match(text or "")
    if not match:
        raise ValueError(f"not an amount in yuan: {text!r}")
    negative, whole, decimals, _ = match.groups()
    fen = int(whole.replace(",", "")) * 100 + int((decimals or "0").ljust(2, "0"))
    return -fen if negative else fen
