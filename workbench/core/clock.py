"""Timestamps of the demo: local wall-clock times turned into UTC ISO-8601 strings.

Called for every payment and contact of a million-borrower portfolio, so it avoids
``datetime.strftime``: days are formatted once per distinct day and cached.
"""

from __future__ import annotations

from datetime import date

_HOURS_MINUTES = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(1440))
_SECONDS = tuple(f"{s:02d}" for s in range(60))
_DAYS: dict[int, str] = {}


def iso_day(ordinal: int) -> str:
    """``date.fromordinal(ordinal).isoformat()``, cached."""
    text = _DAYS.get(ordinal)
    if text is None:
        text = _DAYS[ordinal] = date.fromordinal(ordinal).isoformat()
    return text


def stamp(day: date, local_seconds: int, offset_h: int) -> str:
    """UTC time of ``local_seconds`` after local midnight of ``day`` in a zone at UTC+offset_h.

    ``stamp(date(2026, 11, 27), 9 * 3600, 8)`` → ``"2026-11-27T01:00:00Z"``.
    """
    shift, seconds = divmod(local_seconds - offset_h * 3600, 86400)
    minute, second = divmod(seconds, 60)
    return f"{iso_day(day.toordinal() + shift)}T{_HOURS_MINUTES[minute]}:{_SECONDS[second]}Z"
