"""Checks of single values of a feed record: the leaves ``store.validate`` is built from.

Each checker takes one JSON value and returns the text size it holds (for the record's size
budget) or raises :class:`Bad` naming the problem. :func:`kind_of` sorts a field into the kinds
the generated record checks inline (numbers, text, flags, dates, times) and those they hand to
a checker of their own (``OTHER``: lists, nested objects, free-form objects, dates or times
that may be empty).

Example::

    date_value("2026-11-27")  # 10
    date_value("2026-02-30")  # raises Bad("not a valid date: '2026-02-30'")
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson

MAX_RECORD_CHARS = 1_000_000  # text in one record (a loan with its schedule is ~5 KB)
MAX_ITEMS = 2_000  # items in one list (a schedule has at most a few hundred)
MAX_ID_CHARS = 200
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

Checker = Callable[[Any], int]
"""Checks one value; returns the text size it holds (for the record budget) or raises Bad."""

INT, STR, BOOL, DATE, TIME, OTHER = range(6)
"""Kinds of field (:func:`kind_of`)."""
FIXED = {INT: 8, BOOL: 1, DATE: 10, TIME: 20}
"""Text a field of a fixed-size kind counts for; an object starts its ``size`` at the sum of
its fixed-size fields, present or not (an upper bound, without an addition per field)."""
SEEN: set[str] = set()
"""Valid dates met so far: a schedule repeats the same due dates, so they are parsed once."""
_SEEN_CAP = 200_000


class Bad(ValueError):
    """A value that does not fit its field; the message names the field."""


def unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (hint, False)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(args) < len(typing.get_args(hint)):
            return args[0], True
    return hint, False


def kind_of(name: str, hint: Any, empty_ok: bool) -> int:
    """The kind of a field (``hint`` already unwrapped; ``empty_ok``: its default is "")."""
    if hint is int:
        return INT
    if hint is bool:
        return BOOL
    if hint is str:
        if is_date_field(name):
            return OTHER if empty_ok else DATE
        if is_time_field(name):
            return OTHER if empty_ok else TIME
        return STR
    return OTHER


def is_date_field(name: str) -> bool:
    return name.endswith("_date") or name == "insurance_expiry"


def is_time_field(name: str) -> bool:
    return name.endswith("_at") or name == "at"


def int_problem(value: Any) -> str:
    if type(value) is not int:
        return f"expected a whole number, got {kind_name(value)}"
    return "number out of range"


def date_value(value: Any) -> int:
    """Raise Bad unless ``value`` is a ``YYYY-MM-DD`` date; remember the good ones."""
    if type(value) is not str:
        raise Bad(f"expected a date, got {kind_name(value)}")
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise Bad(f"not a YYYY-MM-DD date: {value[:40]!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise Bad(f"not a valid date: {value!r}") from None
    if len(SEEN) >= _SEEN_CAP:
        SEEN.clear()
    SEEN.add(value)
    return 10


def time_value(value: Any) -> int:
    """Raise Bad unless ``value`` is a UTC ISO-8601 time ending in Z."""
    if type(value) is not str:
        raise Bad(f"expected a UTC time, got {kind_name(value)}")
    if not 20 <= len(value) <= 40 or value[-1] != "Z" or value[10] != "T":
        raise Bad(f"not a UTC ISO-8601 time ending in Z: {value[:40]!r}")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise Bad(f"not a valid time: {value!r}") from None
    return len(value)


def extra_size(value: dict[str, Any], known: frozenset[str]) -> int:
    """Fields a newer core added are kept; they count against the record's budget."""
    size = 0
    for name, extra in value.items():
        if name not in known:
            size += len(name) + json_size(extra)
    return size


def json_size(value: Any) -> int:
    try:
        return len(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        raise Bad("value is not JSON") from None


def text_checker(name: str, empty_ok: bool) -> Checker:
    """Checker of a text field (a date or a time by its name)."""
    if is_date_field(name):
        return date_text(empty_ok)
    if is_time_field(name):
        return time_text(empty_ok)
    return text


def text(value: Any) -> int:
    if type(value) is not str:
        raise Bad(f"expected text, got {kind_name(value)}")
    return len(value)


def date_text(empty_ok: bool) -> Checker:
    """Checker of a date field (``""`` allowed with ``empty_ok``)."""
    return _parsed_text("a date", date_value, empty_ok)


def time_text(empty_ok: bool) -> Checker:
    """Checker of a time field (``""`` allowed with ``empty_ok``)."""
    return _parsed_text("a UTC time", time_value, empty_ok)


def _parsed_text(expected: str, parse: Checker, empty_ok: bool) -> Checker:
    """Checker of text that ``parse`` must accept (``""`` allowed with ``empty_ok``)."""

    def check(value: Any) -> int:
        if type(value) is not str:
            raise Bad(f"expected {expected}, got {kind_name(value)}")
        if value == "" and empty_ok:
            return 0
        return parse(value)

    return check


def whole_number(value: Any) -> int:
    if type(value) is not int:
        raise Bad(f"expected a whole number, got {kind_name(value)}")
    if not INT_MIN <= value <= INT_MAX:
        raise Bad("number out of range")
    return 8


def flag(value: Any) -> int:
    if type(value) is not bool:
        raise Bad(f"expected true/false, got {kind_name(value)}")
    return 1


def json_object(value: Any) -> int:
    if not isinstance(value, dict):
        raise Bad(f"expected an object, got {kind_name(value)}")
    return json_size(value)


def any_json(value: Any) -> int:
    return json_size(value)


def list_checker(item: Checker) -> Checker:
    """Checker of a list of at most :data:`MAX_ITEMS` values each passing ``item``."""

    def check(value: Any) -> int:
        if type(value) is not list:
            raise Bad(f"expected a list, got {kind_name(value)}")
        if len(value) > MAX_ITEMS:
            raise Bad(f"list of {len(value):,} items (limit {MAX_ITEMS:,})")
        size = 0
        for n, v in enumerate(value):
            try:
                size += item(v)
            except Bad as exc:
                raise Bad(f"[{n}] {exc}") from None
            if size > MAX_RECORD_CHARS:
                raise Bad("list too large")
        return size

    return check


def kind_name(value: Any) -> str:
    """What a JSON value is, in the words of a complaint."""
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(
        type(value), "an object" if isinstance(value, dict) else "a list"
    )
