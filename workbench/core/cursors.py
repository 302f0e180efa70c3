"""Feed cursors: opaque to clients, ``<generation>.<seq>`` to the core.

A cursor names a position in the change feed (the ``seq`` of the last change a client has
seen) *and* the compaction generation it was issued in. The generation starts at 0 and goes
up by one every time a compaction raises the horizon (``min_cursor``). Written out:

- generation 0 (a core never compacted): the plain decimal seq, ``"12345"`` — exactly the
  cursors of earlier versions, so older clients and stored caches keep working;
- later generations: ``"g<generation>.<seq>"``, e.g. ``"g2.12345"``.

The rule (``cursor_problem``): ``"0"`` or no cursor is always served; a cursor of the current
generation is always served — it was issued after the last compaction, so every tombstone
that compaction dropped was older than the client's own start; a cursor of an older
generation is served only when its seq is at or above the horizon (below it the client may
have missed a deletion: 410 ``cursor_gone``). A cursor ahead of the head, or of a generation
this core has not reached, belongs to another store: 410 ``cursor_unknown``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DIGITS = 18  # keeps a number inside SQLite's signed 64-bit integers
_FORM = re.compile(rf"(?:g([0-9]{{1,{MAX_DIGITS}}})\.)?([0-9]{{1,{MAX_DIGITS}}})", re.ASCII)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A parsed cursor: the compaction generation it was issued in and a feed ``seq``."""

    generation: int
    seq: int


START = Cursor(0, 0)


def parse_cursor(raw: str | None) -> Cursor:
    """``"0"``/``""``/None → the start; ``"123"`` → generation 0; ``"g2.123"`` → generation 2.

    Raises ``ValueError`` for anything else (the route answers 400 ``bad_cursor``).
    """
    if raw is None or raw == "":
        return START
    match = _FORM.fullmatch(raw)
    if match is None:
        raise ValueError(f"cursor must be a cursor returned by this core, got {raw!r}")
    generation, seq = match.groups()
    return Cursor(int(generation or 0), int(seq))


def format_cursor(generation: int, seq: int) -> str:
    """The cursor text for ``seq`` issued in ``generation`` (plain decimal in generation 0)."""
    return str(seq) if generation == 0 else f"g{generation}.{seq}"


def cursor_problem(cursor: Cursor, head: int, horizon: int, generation: int) -> str | None:
    """Why the feed cannot be served after ``cursor`` (an error code), or None when it can.

    ``head`` is the newest seq, ``horizon`` the compaction horizon (``min_cursor``) and
    ``generation`` the current compaction generation, all read in one transaction.
    """
    if cursor.seq == 0:
        return None
    if cursor.seq > head or cursor.generation > generation:
        return "cursor_unknown"
    if cursor.generation < generation and cursor.seq < horizon:
        return "cursor_gone"
    return None
