"""Strict checks of a feed record against its entity's dataclass, built once per class.

The core is trusted for meaning, not for shape: a record whose fields have the wrong JSON type,
an impossible date, or an absurd size would break a query or a screen long after it was
stored, so it is refused at the door (``store.apply`` quarantines it) instead.

What is checked, field by field, from the type hints of ``domain.models``:

- ``str`` is a JSON string; ``int`` a JSON integer (not ``true``) within 64 bits; ``bool`` a
  JSON boolean; ``X | None`` also accepts ``null``; ``list[X]`` a list of at most
  :data:`MAX_ITEMS` valid items; a nested dataclass an object checked the same way; ``dict``
  any object (its encoded size counts against the budget);
- fields named like dates (``*_date``, ``insurance_expiry``) hold ``YYYY-MM-DD`` dates, fields
  named like times (``*_at``, ``at``) UTC ISO-8601 timestamps ending in ``Z`` (an empty string
  is allowed where the field's default is ``""``);
- the whole record stays under :data:`MAX_RECORD_CHARS` of text.

Markup (``[b]``), escape sequences and control characters are *not* refused: they are text, and
the layers that show text render it harmlessly.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson

MAX_RECORD_CHARS = 1_000_000  # text in one record (a loan with its schedule is ~5 KB)
MAX_ITEMS = 2_000  # items in one list (a schedule has at most a few hundred)
MAX_ID_CHARS = 200
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

Checker = Callable[[Any], int]
"""Checks one value; returns the text size it holds (for the record budget) or raises Bad."""


class Bad(ValueError):
    """A value that does not fit its field; the message names the field."""


def check_record(cls: type, data: dict[str, Any]) -> None:
    """Raise :class:`Bad` unless ``data`` is a valid ``cls`` record (see the module doc)."""
    size = _object_checker(cls)(data)
    if size > MAX_RECORD_CHARS:
        raise Bad(f"record too large ({size:,} characters of text, limit {MAX_RECORD_CHARS:,})")


def check_id(value: Any) -> str:
    """A change's or record's id: a non-empty string of at most :data:`MAX_ID_CHARS`."""
    if not isinstance(value, str) or not value:
        raise Bad("change has no id")
    if len(value) > MAX_ID_CHARS:
        raise Bad(f"id longer than {MAX_ID_CHARS} characters")
    return value


@functools.cache
def _object_checker(cls: type) -> Checker:
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        fields.append((f.name, _checker(f.name, hints[f.name], f.default == ""), required))
    known = frozenset(name for name, _, _ in fields)
    label = cls.__name__.lower()

    def check(value: Any) -> int:
        if not isinstance(value, dict):
            raise Bad(f"{label} is not an object")
        size = 0
        for name, checker, required in fields:
            if name in value:
                try:
                    size += checker(value[name])
                except Bad as exc:
                    raise Bad(f"{name}: {exc}") from None
            elif required:
                raise Bad(f"missing field {name}")
        if len(value) > len(fields) or not value.keys() <= known:
            size += _extra_size(value, known)
        return size

    return check


def _extra_size(value: dict[str, Any], known: frozenset[str]) -> int:
    """Fields a newer core added are kept; they count against the record's budget."""
    size = 0
    for name, extra in value.items():
        if name not in known:
            size += len(name) + _json_size(extra)
    return size


def _json_size(value: Any) -> int:
    try:
        return len(orjson.dumps(value))
    except (TypeError, orjson.JSONEncodeError):
        raise Bad("value is not JSON") from None


def _checker(name: str, hint: Any, empty_ok: bool) -> Checker:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _checker(name, args[0], empty_ok) if len(args) == 1 else _any
        return lambda v: 0 if v is None else inner(v)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return _list_checker(_checker(name, item, False))
    if dataclasses.is_dataclass(hint):
        return _object_checker(hint)
    if hint is str:
        return _text_checker(name, empty_ok)
    if hint is bool:
        return _bool
    if hint is int:
        return _int
    if hint is dict or origin is dict:
        return _dict
    return _any


def _text_checker(name: str, empty_ok: bool) -> Checker:
    if name.endswith("_date") or name == "insurance_expiry":
        return _date_text(empty_ok)
    if name.endswith("_at") or name == "at":
        return _time_text(empty_ok)
    return _str


def _str(value: Any) -> int:
    if type(value) is not str:
        raise Bad(f"expected text, got {_kind(value)}")
    return len(value)


def _date_text(empty_ok: bool) -> Checker:
    def check(value: Any) -> int:
        if type(value) is not str:
            raise Bad(f"expected a date, got {_kind(value)}")
        if value == "" and empty_ok:
            return 0
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise Bad(f"not a YYYY-MM-DD date: {value[:40]!r}")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise Bad(f"not a valid date: {value!r}") from None
        return 10

    return check


def _time_text(empty_ok: bool) -> Checker:
    def check(value: Any) -> int:
        if type(value) is not str:
            raise Bad(f"expected a UTC time, got {_kind(value)}")
        if value == "" and empty_ok:
            return 0
        if not 20 <= len(value) <= 40 or value[-1] != "Z" or value[10] != "T":
            raise Bad(f"not a UTC ISO-8601 time ending in Z: {value[:40]!r}")
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise Bad(f"not a valid time: {value!r}") from None
        return len(value)

    return check


def _int(value: Any) -> int:
    if type(value) is not int:
        raise Bad(f"expected a whole number, got {_kind(value)}")
    if not _INT_MIN <= value <= _INT_MAX:
        raise Bad("number out of range")
    return 8


def _bool(value: Any) -> int:
    if type(value) is not bool:
        raise Bad(f"expected true/false, got {_kind(value)}")
    return 1


def _dict(value: Any) -> int:
    if not isinstance(value, dict):
        raise Bad(f"expected an object, got {_kind(value)}")
    return _json_size(value)


def _any(value: Any) -> int:
    return _json_size(value)


def _list_checker(item: Checker) -> Checker:
    def check(value: Any) -> int:
        if type(value) is not list:
            raise Bad(f"expected a list, got {_kind(value)}")
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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(
        type(value), "an object" if isinstance(value, dict) else "a list"
    )
