"""The common case of a record check, generated first: a record exactly as the core sends it.

A feed record nearly always has every field of its class and no other, each of the right
type, its numbers small and non-negative, its dates already seen and its times in the one
form the core writes (``2026-11-27T08:30:00Z``). For such a record the fast body here does
far less than the full checks of ``store.validate``: all fields are read by one
``itemgetter`` call (a present field needs no ``.get``, no default), the types are compared
and the numbers' range is checked on their bitwise OR at once (``0 <= a | b | c < 2**63``
holds exactly when each of them is in that range).

Whenever it is not sure — a field missing or extra, a null, a negative or huge number, an
unseen or unusual value — it raises (:class:`Slow`, or the exception the unusual value
caused) and the caller runs the full checks, which accept or name the problem exactly as
before. So it must accept only records the full checks accept, with the same size.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from workbench.store.validate_values import BOOL, DATE, INT, INT_MAX, OTHER, STR, TIME

FALLBACK = "(Slow, LookupError, TypeError, ValueError)"
"""What the fast body may raise (as source): the caller then runs the full checks."""
_LIMIT = INT_MAX + 1


class Slow(Exception):
    """The fast body cannot vouch for a value: the full checks decide."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a class as its checks see it."""

    name: str
    required: bool
    nullable: bool
    kind: int  # validate_values.INT … OTHER
    checker: int  # index of its checker (kind OTHER), else -1


def fast_body(fields: list[FieldSpec], fixed: int) -> tuple[list[str], dict[str, object]]:
    """Source lines reading ``value`` into ``size`` when it is plainly a valid object with
    exactly ``fields`` (``fixed``: the size of its fixed-size fields), raising otherwise; and
    the names the lines use beyond ``store.validate``'s own."""
    names = [f.name for f in fields]
    unpack = ", ".join(f"f{i}" for i in range(len(fields)))
    lines = [f"if type(value) is not dict or len(value) != {len(fields)}:", "    raise Slow"]
    if len(fields) == 1:
        lines.append(f"f0 = value[{names[0]!r}]")
    else:
        lines.append(f"{unpack} = _all(value)")
    lines.append(f"size = {fixed}")
    ints = [f"f{i}" for i, f in enumerate(fields) if f.kind == INT and not f.nullable]
    if ints:
        lines += [
            "if " + " or ".join(f"type({v}) is not int" for v in ints) + ":",
            "    raise Slow",
            f"if not 0 <= {' | '.join(ints)} < {_LIMIT}:",
            "    raise Slow",
        ]
    for i, field in enumerate(fields):
        if field.kind == INT and not field.nullable:
            continue
        block = _field_block(f"f{i}", field)
        if field.nullable:
            lines += [f"if f{i} is not None:", *("    " + line for line in block)]
        else:
            lines += block
    return lines, {"_all": itemgetter(*names), "Slow": Slow}


def _field_block(v: str, field: FieldSpec) -> list[str]:
    """Lines checking one present, non-null value ``v`` of ``field``."""
    if field.kind == INT:
        return [f"if type({v}) is not int or not 0 <= {v} < {_LIMIT}:", "    raise Slow"]
    if field.kind == STR:
        return [f"if type({v}) is not str:", "    raise Slow", f"size += len({v})"]
    if field.kind == BOOL:
        return [f"if type({v}) is not bool:", "    raise Slow"]
    if field.kind == DATE:  # unhashable: TypeError; not a date: Bad from _date
        return [f"if {v} not in _SEEN:", f"    _date({v})"]
    if field.kind == TIME:
        return [
            f"if type({v}) is not str or len({v}) != 20 or {v}[19] != 'Z' or {v}[10] != 'T':",
            "    raise Slow",
            f"_fromisoformat({v})",
        ]
    assert field.kind == OTHER
    return [f"size += _checkers[{field.checker}]({v})"]
