"""Untrusted text made harmless for a terminal, without losing what the person wrote.

Control characters are shown as visible escapes (``"\\x1b"``, a backslash and three letters)
instead of being passed to the terminal, where ESC/CSI/OSC sequences could recolour the screen,
retitle the window, move the cursor or write to the clipboard (OSC 52). Everything else — CJK,
emoji, markup-looking brackets — is kept as is; markup safety is the UI's job.

>>> printable("\\x1b[31mred\\x1b[0m")
'\\\\x1b[31mred\\\\x1b[0m'
>>> one_line("张伟\\n13812345678", limit=5)
'张伟 1…'
"""

from __future__ import annotations

import re


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_CONTROL_CODES = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000)]
_KEEP = {ord("\n"), ord("\t")}
_ESCAPES = {code: _escape(code) for code in _CONTROL_CODES if code not in _KEEP}
"""C0 and C1 controls and DEL (plus lone surrogates, which a terminal cannot even encode)."""

_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|[\n\t]")


def printable(s: str) -> str:
    """Replace control characters except newline and tab by visible escapes; keep all else.

    ``printable("\\x1b]0;title\\x07")`` → ``'\\\\x1b]0;title\\\\x07'`` (no window retitle).
    """
    if not _NEEDS_ESCAPE.search(s):
        return s
    return s.translate(_ESCAPES)


def one_line(s: str, limit: int | None = None) -> str:
    """One harmless line: newlines and tabs become spaces, then ``printable``, then at most
    ``limit`` characters, the last one ``"…"`` when something was cut.

    An escape such as ``\\x1b`` is never cut in half: it is kept whole or dropped whole.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, got {limit}")
    flat = _LINE_BREAKS.sub(" ", s)
    if limit is None:
        return printable(flat)
    pieces = [_ESCAPES.get(ord(c), c) for c in flat]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    room = limit - 1  # one character for the ellipsis
    for piece in pieces:
        if len(piece) > room:
            break
        kept.append(piece)
        room -= len(piece)
    return "".join(kept) + "…" if limit > 0 else ""
