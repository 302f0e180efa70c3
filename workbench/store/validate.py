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
- the whole record stays under :data:`MAX_RECORD_CHARS` of text (numbers, flags, dates and
  times count a fixed width each, present or not: an upper bound).

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
    record_checker(cls)(data)


@functools.cache
def record_checker(cls: type) -> Callable[[Any], None]:
    """``check_record`` of one class as a single generated function (no lookup per record)."""
    body, namespace = _object_body(cls)
    return _compile(
        [
            "def check(value):",
            *_indent(body, 4),
            f"    if size > {MAX_RECORD_CHARS}:",
            "        _too_large(size)",
        ],
        namespace,
        f"record {cls.__name__}",
    )


def _too_large(size: int) -> None:
    raise Bad(f"record too large ({size:,} characters of text, limit {MAX_RECORD_CHARS:,})")


def check_id(value: Any) -> str:
    """A change's or record's id: a non-empty string of at most :data:`MAX_ID_CHARS`."""
    if not isinstance(value, str) or not value:
        raise Bad("change has no id")
    if len(value) > MAX_ID_CHARS:
        raise Bad(f"id longer than {MAX_ID_CHARS} characters")
    return value


# Each dataclass gets a checker generated as straight-line Python (one block per field, no loop
# and no call for plain text/number/flag/time fields): validation runs on every record of the
# feed, so this is the hot path of a sync. Dates already seen valid are not parsed again (a
# schedule repeats the same due dates); times are nearly all distinct, so they are parsed by
# ``datetime.fromisoformat`` (C) after a cheap look at their shape.
_INT, _STR, _BOOL, _DATE, _TIME, _OTHER = range(6)
_MISSING = object()
_SEEN: set[str] = set()  # valid dates met so far
_SEEN_CAP = 200_000

_BLOCK = {
    _INT: "if type(v) is not int or not {lo} <= v <= {hi}: _bad({name!r}, _int_problem(v))",
    _STR: "if type(v) is not str: _bad({name!r}, 'expected text, got ' + _kind(v))\nsize += len(v)",
    _BOOL: "if type(v) is not bool: _bad({name!r}, 'expected true/false, got ' + _kind(v))",
    _DATE: "if type(v) is not str or v not in _SEEN: _field({name!r}, _date, v)",
    _TIME: "if type(v) is str and len(v) == 20 and v[19] == 'Z' and v[10] == 'T':\n"
    "    try:\n"
    "        _fromisoformat(v)\n"
    "    except ValueError:\n"
    "        _field({name!r}, _time, v)\n"
    "else:\n"
    "    _field({name!r}, _time, v)",
    _OTHER: "size += _field({name!r}, _checkers[{n}], v)",
}
_FIXED = {_INT: 8, _BOOL: 1, _DATE: 10, _TIME: 20}
"""Text a field of a fixed-size kind counts for; an object starts its ``size`` at the sum of
its fixed-size fields, present or not (an upper bound, without an addition per field)."""


@functools.cache
def _object_checker(cls: type) -> Checker:
    """The generated checker of one object of ``cls``."""
    body, namespace = _object_body(cls)
    return _compile(
        ["def check(value):", *_indent(body, 4), "    return size"], namespace, cls.__name__
    )


@functools.cache
def _list_of_objects_checker(cls: type) -> Checker:
    """The generated checker of a list of ``cls`` objects (a schedule): the object checks are
    inlined in the loop, so a 36-installment schedule costs no call per installment."""
    body, namespace = _object_body(cls)
    lines = [
        "def check(items):",
        "    if type(items) is not list:",
        "        raise Bad('expected a list, got ' + _kind(items))",
        f"    if len(items) > {MAX_ITEMS}:",
        f"        raise Bad(f'list of {{len(items):,}} items (limit {MAX_ITEMS:,})')",
        "    total = 0",
        "    for n, value in enumerate(items):",
        "        try:",
        *_indent(body, 12),
        "        except Bad as exc:",
        "            raise Bad(f'[{n}] {exc}') from None",
        "        total += size",
        f"        if total > {MAX_RECORD_CHARS}:",
        "            raise Bad('list too large')",
        "    return total",
    ]
    return _compile(lines, namespace, f"list[{cls.__name__}]")


def _object_body(cls: type) -> tuple[list[str], dict[str, Any]]:
    """Source lines checking ``value`` as a ``cls`` object into ``size``, and their names."""
    hints = typing.get_type_hints(cls)
    lines = [
        "if not isinstance(value, dict):",
        f"    raise Bad({cls.__name__.lower() + ' is not an object'!r})",
        "size = 0",
    ]
    checkers: list[Checker] = []
    fixed = required_count = 0
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        hint, nullable = _unwrap_optional(hints[f.name])
        kind = _kind_of(f.name, hint, f.default == "")
        if kind == _OTHER:
            checkers.append(_checker(f.name, hint, f.default == ""))
        block = _BLOCK[kind].format(name=f.name, n=len(checkers) - 1, lo=_INT_MIN, hi=_INT_MAX)
        lines += _field_lines(f.name, required, nullable, block.splitlines())
        fixed += _FIXED.get(kind, 0)
        required_count += required
    lines[2] = f"size = {fixed}"
    count = len(dataclasses.fields(cls))
    # Every required field is there by now: no more keys than those means no unknown one.
    lines += [
        f"if len(value) > {required_count} and "
        f"(len(value) > {count} or not value.keys() <= _known):",
        "    size += _extra_size(value, _known)",
    ]
    namespace = {
        "_checkers": checkers,
        "_known": frozenset(f.name for f in dataclasses.fields(cls)),
    }
    return lines, namespace


def _compile(lines: list[str], namespace: dict[str, Any], label: str) -> Checker:
    scope = {
        "Bad": Bad,
        "_MISSING": _MISSING,
        "_SEEN": _SEEN,
        "_bad": _bad,
        "_field": _field,
        "_date": _date,
        "_time": _time,
        "_fromisoformat": datetime.fromisoformat,
        "_int_problem": _int_problem,
        "_kind": _kind,
        "_extra_size": _extra_size,
        "_too_large": _too_large,
        **namespace,
    }
    source = "\n".join(lines)  # built from field names only
    exec(compile(source, f"<check {label}>", "exec"), scope)
    return scope["check"]


def _indent(lines: list[str], width: int) -> list[str]:
    return [" " * width + line for line in lines]


def _field_lines(name: str, required: bool, nullable: bool, block: list[str]) -> list[str]:
    """Source lines checking one field of ``value`` (``size`` grows by what it holds)."""
    if required:  # a subscript is cheaper than .get(): no method call
        lines = [
            "try:",
            f"    v = value[{name!r}]",
            "except KeyError:",
            f"    raise Bad({'missing field ' + name!r}) from None",
        ]
        if not nullable:
            return lines + block
        return [*lines, "if v is not None:", *_indent(block, 4)]
    test = " and v is not None" if nullable else ""
    return [
        f"v = value.get({name!r}, _MISSING)",
        f"if v is not _MISSING{test}:",
        *_indent(block, 4),
    ]


def _bad(name: str, problem: str) -> None:
    raise Bad(f"{name}: {problem}")


def _field(name: str, checker: Checker, value: Any) -> int:
    """Run a field's checker, naming the field in its complaint."""
    try:
        return checker(value)
    except Bad as exc:
        raise Bad(f"{name}: {exc}") from None


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (hint, False)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(args) < len(typing.get_args(hint)):
            return args[0], True
    return hint, False


def _kind_of(name: str, hint: Any, empty_ok: bool) -> int:
    if hint is int:
        return _INT
    if hint is bool:
        return _BOOL
    if hint is str:
        if _is_date_field(name):
            return _OTHER if empty_ok else _DATE
        if _is_time_field(name):
            return _OTHER if empty_ok else _TIME
        return _STR
    return _OTHER


def _is_date_field(name: str) -> bool:
    return name.endswith("_date") or name == "insurance_expiry"


def _is_time_field(name: str) -> bool:
    return name.endswith("_at") or name == "at"


def _int_problem(value: Any) -> str:
    if type(value) is not int:
        return f"expected a whole number, got {_kind(value)}"
    return "number out of range"


def _date(value: Any) -> int:
    """Raise Bad unless ``value`` is a ``YYYY-MM-DD`` date; remember the good ones."""
    if type(value) is not str:
        raise Bad(f"expected a date, got {_kind(value)}")
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise Bad(f"not a YYYY-MM-DD date: {value[:40]!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise Bad(f"not a valid date: {value!r}") from None
    _remember(value)
    return 10


def _time(value: Any) -> int:
    """Raise Bad unless ``value`` is a UTC ISO-8601 time ending in Z; remember the good ones."""
    if type(value) is not str:
        raise Bad(f"expected a UTC time, got {_kind(value)}")
    if not 20 <= len(value) <= 40 or value[-1] != "Z" or value[10] != "T":
        raise Bad(f"not a UTC ISO-8601 time ending in Z: {value[:40]!r}")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise Bad(f"not a valid time: {value!r}") from None
    return len(value)


def _remember(value: str) -> None:
    if len(_SEEN) >= _SEEN_CAP:
        _SEEN.clear()
    _SEEN.add(value)


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
        if dataclasses.is_dataclass(item):
            return _list_of_objects_checker(item)
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
    if _is_date_field(name):
        return _date_text(empty_ok)
    if _is_time_field(name):
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
        return _date(value)

    return check


def _time_text(empty_ok: bool) -> Checker:
    def check(value: Any) -> int:
        if type(value) is not str:
            raise Bad(f"expected a UTC time, got {_kind(value)}")
        if value == "" and empty_ok:
            return 0
        return _time(value)

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
