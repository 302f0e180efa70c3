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
from datetime import datetime
from typing import Any

from workbench.store.validate_fast import FALLBACK, FieldSpec, Slow, fast_body
from workbench.store.validate_values import (
    BOOL,
    DATE,
    FIXED,
    INT,
    INT_MAX,
    INT_MIN,
    MAX_ID_CHARS,
    MAX_ITEMS,
    MAX_RECORD_CHARS,
    OTHER,
    SEEN,
    STR,
    TIME,
    Bad,
    Checker,
    any_json,
    date_value,
    extra_size,
    flag,
    int_problem,
    json_object,
    kind_name,
    kind_of,
    list_checker,
    text_checker,
    time_value,
    unwrap_optional,
    whole_number,
)

__all__ = [
    "MAX_ID_CHARS",
    "MAX_ITEMS",
    "MAX_RECORD_CHARS",
    "SEEN",
    "Bad",
    "Checker",
    "check_id",
    "check_record",
    "record_checker",
    "value_checker",
]


def check_record(cls: type, data: dict[str, Any]) -> None:
    """Raise :class:`Bad` unless ``data`` is a valid ``cls`` record (see the module doc)."""
    record_checker(cls)(data)


@functools.cache
def record_checker(cls: type) -> Callable[[Any], None]:
    """``check_record`` of one class as a single generated function (no lookup per record):
    the fast body of ``store.validate_fast`` first, the full checks when it is not sure."""
    fields, fast = _fields(cls), _fast_body(cls)
    return _compile(
        [
            "def check(value):",
            "    try:",
            *_indent(fast[0], 8),
            f"    except {FALLBACK}:",
            "        return _full(value)",
            f"    if size > {MAX_RECORD_CHARS}:",
            "        _too_large(size)",
        ],
        {**fields[1], **fast[1], "_full": _full_record_checker(cls)},
        f"record {cls.__name__}",
    )


@functools.cache
def _full_record_checker(cls: type) -> Callable[[Any], None]:
    body, namespace = _object_body(cls)
    return _compile(
        [
            "def check(value):",
            *_indent(body, 4),
            f"    if size > {MAX_RECORD_CHARS}:",
            "        _too_large(size)",
        ],
        namespace,
        f"full record {cls.__name__}",
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
_MISSING = object()

_BLOCK = {
    INT: "if type(v) is not int or not {lo} <= v <= {hi}: _bad({name!r}, _int_problem(v))",
    STR: "if type(v) is not str: _bad({name!r}, 'expected text, got ' + _kind(v))\nsize += len(v)",
    BOOL: "if type(v) is not bool: _bad({name!r}, 'expected true/false, got ' + _kind(v))",
    DATE: "if type(v) is not str or v not in _SEEN: _field({name!r}, _date, v)",
    TIME: "if type(v) is str and len(v) == 20 and v[19] == 'Z' and v[10] == 'T':\n"
    "    try:\n"
    "        _fromisoformat(v)\n"
    "    except ValueError:\n"
    "        _field({name!r}, _time, v)\n"
    "else:\n"
    "    _field({name!r}, _time, v)",
    OTHER: "size += _field({name!r}, _checkers[{n}], v)",
}


@functools.cache
def _object_checker(cls: type) -> Checker:
    """The generated checker of one object of ``cls`` (fast body first, as records)."""
    fields, fast = _fields(cls), _fast_body(cls)
    full = _compile(
        ["def check(value):", *_indent(_object_body(cls)[0], 4), "    return size"],
        fields[1],
        f"full {cls.__name__}",
    )
    lines = ["def check(value):", "    try:", *_indent(fast[0], 8), "        return size"]
    lines += [f"    except {FALLBACK}:", "        return _full(value)"]
    return _compile(lines, {**fields[1], **fast[1], "_full": full}, cls.__name__)


@functools.cache
def _list_of_objects_checker(cls: type) -> Checker:
    """The generated checker of a list of ``cls`` objects (a schedule): the object checks are
    inlined in the loop, so a 36-installment schedule costs no call per installment; the fast
    body first, and the full checks of the whole list when it is not sure of an item."""
    fields, fast = _fields(cls), _fast_body(cls)
    lines = [
        "def check(items):",
        "    try:",
        f"        if type(items) is not list or len(items) > {MAX_ITEMS}:",
        "            raise Slow",
        "        total = 0",
        "        for value in items:",
        *_indent(fast[0], 12),
        "            total += size",
        f"        if total > {MAX_RECORD_CHARS}:",
        "            raise Slow",
        "        return total",
        f"    except {FALLBACK}:",
        "        return _full(items)",
    ]
    full = _full_list_checker(cls)
    return _compile(lines, {**fields[1], **fast[1], "_full": full}, f"list[{cls.__name__}]")


def _full_list_checker(cls: type) -> Checker:
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
    return _compile(lines, namespace, f"full list[{cls.__name__}]")


@functools.cache
def _fields(cls: type) -> tuple[list[FieldSpec], dict[str, Any], int, int]:
    """The fields of ``cls`` as checks see them, the checkers of its ``OTHER`` fields (as a
    namespace), its fixed size and how many fields it requires."""
    hints = typing.get_type_hints(cls)
    specs: list[FieldSpec] = []
    checkers: list[Checker] = []
    fixed = required_count = 0
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        hint, nullable = unwrap_optional(hints[f.name])
        kind = kind_of(f.name, hint, f.default == "")
        if kind == OTHER:
            checkers.append(value_checker(f.name, hint, f.default == ""))
        index = len(checkers) - 1 if kind == OTHER else -1
        specs.append(FieldSpec(f.name, required, nullable, kind, index))
        fixed += FIXED.get(kind, 0)
        required_count += required
    known = frozenset(f.name for f in dataclasses.fields(cls))
    return specs, {"_checkers": checkers, "_known": known}, fixed, required_count


def _fast_body(cls: type) -> tuple[list[str], dict[str, Any]]:
    specs, _, fixed, _ = _fields(cls)
    return fast_body(specs, fixed)


def _object_body(cls: type) -> tuple[list[str], dict[str, Any]]:
    """Source lines checking ``value`` as a ``cls`` object into ``size`` (the full checks,
    naming what is wrong), and their names."""
    specs, namespace, fixed, required_count = _fields(cls)
    lines = [
        "if not isinstance(value, dict):",
        f"    raise Bad({cls.__name__.lower() + ' is not an object'!r})",
        f"size = {fixed}",
    ]
    for spec in specs:
        block = _BLOCK[spec.kind].format(name=spec.name, n=spec.checker, lo=INT_MIN, hi=INT_MAX)
        lines += _field_lines(spec.name, spec.required, spec.nullable, block.splitlines())
    # Every required field is there by now: no more keys than those means no unknown one.
    lines += [
        f"if len(value) > {required_count} and "
        f"(len(value) > {len(specs)} or not value.keys() <= _known):",
        "    size += _extra_size(value, _known)",
    ]
    return lines, namespace


def _compile(lines: list[str], namespace: dict[str, Any], label: str) -> Checker:
    scope = {
        "Bad": Bad,
        "_MISSING": _MISSING,
        "_SEEN": SEEN,
        "_bad": _bad,
        "_field": _field,
        "_date": date_value,
        "_time": time_value,
        "_fromisoformat": datetime.fromisoformat,
        "_int_problem": int_problem,
        "_kind": kind_name,
        "_extra_size": extra_size,
        "_too_large": _too_large,
        "Slow": Slow,
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


def value_checker(name: str, hint: Any, empty_ok: bool) -> Checker:
    """The checker of one value of a field of type ``hint`` (nested records included)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = value_checker(name, args[0], empty_ok) if len(args) == 1 else any_json
        return lambda v: 0 if v is None else inner(v)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        if dataclasses.is_dataclass(item):
            return _list_of_objects_checker(item)
        return list_checker(value_checker(name, item, False))
    if dataclasses.is_dataclass(hint):
        return _object_checker(hint)
    if hint is str:
        return text_checker(name, empty_ok)
    if hint is bool:
        return flag
    if hint is int:
        return whole_number
    if hint is dict or origin is dict:
        return json_object
    return any_json
