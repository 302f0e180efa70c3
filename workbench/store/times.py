"""A time column stored as whole seconds since 1970 (UTC), not as its ISO text (schema v7).

``interaction.started_at`` is in the table and in the ``interaction_by_borrower`` index of
every interaction (~16 a borrower): as text (``2026-11-27T08:30:00Z``) it took 21 bytes in
each, as an integer it takes 5, about 500 bytes a borrower. Integers order the same way.

The core writes times as ``YYYY-MM-DDTHH:MM:SSZ``: such a time is stored as its seconds only
and written back exactly (:func:`to_column` says ``exact``). A time in another accepted form
(fractions of a second) is stored as its whole seconds, for order, and its text is kept in the
record's ``data`` too, so every record reads back as it came.

Example::

    seconds, exact = to_column("2026-11-27T08:30:00Z")  # (1795768200, True)
    from_column(seconds)  # "2026-11-27T08:30:00Z"
"""

from __future__ import annotations

from datetime import UTC, date, datetime

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86_400
_MAX_DAYS = 4096
_day_text: dict[int, str] = {}  # day number → "YYYY-MM-DD" (caches: days repeat)
_day_number: dict[str, int] = {}
_TWO = [f"{n:02d}" for n in range(60)]


def to_column(text: str) -> tuple[int, bool]:
    """``(seconds, exact)`` of a UTC ISO-8601 time ending in Z (checked by ``store.validate``);
    ``exact`` when :func:`from_column` gives ``text`` back. ValueError for anything else."""
    if len(text) == 20 and text.isascii() and text[19] == "Z" and text[10] == "T":
        day = _day_number.get(text[:10])
        if day is None:
            day = _canonical_day(text[:10])
        hours, minutes, secs = text[11:13], text[14:16], text[17:19]
        if (
            day is not None
            and text[13] == text[16] == ":"
            and hours.isdigit()
            and minutes.isdigit()
            and secs.isdigit()
            and hours < "24"
            and minutes < "60"
            and secs < "60"
        ):
            return day * _DAY + int(hours) * 3600 + int(minutes) * 60 + int(secs), True
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 1), False


def from_column(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` of whole seconds since 1970."""
    day, clock = divmod(seconds, _DAY)
    text = _day_text.get(day)
    if text is None:
        if len(_day_text) >= _MAX_DAYS:
            _day_text.clear()
        text = _day_text[day] = date.fromordinal(day + _EPOCH_ORDINAL).isoformat()
    hours, clock = divmod(clock, 3600)
    minutes, secs = divmod(clock, 60)
    two = _TWO
    return text + "T" + two[hours] + ":" + two[minutes] + ":" + two[secs] + "Z"


def seconds_of(moment: datetime) -> int:
    """Whole seconds since 1970 of an aware time (the column's value for comparisons)."""
    return int(moment.timestamp() // 1)


def _canonical_day(text: str) -> int | None:
    """The day number of ``YYYY-MM-DD`` written exactly so (not ``2026-W48-5``), else None."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    if day.isoformat() != text:
        return None
    if len(_day_number) >= _MAX_DAYS:
        _day_number.clear()
    number = _day_number[text] = day.toordinal() - _EPOCH_ORDINAL
    return number
