"""Records as the cache keeps them: checking feed data on the way in, dataclasses on the way out.

The wire contract is ``domain.models``: a change's ``data`` has exactly the fields of the
entity's dataclass. ``store.codec`` packs that object into a row; this module checks it on the
way in and rebuilds the dataclass, nested ``Phone``/``Address``/``Installment``/
``EscalationEvent`` included, on the way out.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from workbench.domain import pii
from workbench.domain.models import ENTITIES, LoanStatus
from workbench.store import validate


class RecordError(ValueError):
    """One feed record that cannot be stored as it is (unknown entity, missing field, …)."""

    def __init__(self, entity: str, record_id: str, reason: str):
        super().__init__(f"{entity} {record_id!r}: {reason}")
        self.entity = entity
        self.record_id = record_id
        self.reason = reason


def encode(value: Any) -> str:
    """Compact JSON text (for parameters such as the id list of ``json_each(?)``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def check(entity: str, record_id: str, data: Any) -> dict[str, Any]:
    """Return ``data`` if it can be stored as ``entity`` ``record_id``, else raise RecordError.

    Checks the entity is known, ``data`` is an object whose ``id`` is the change's id, and every
    field has the JSON type, date form and size ``store.validate`` demands (fields without a
    default must be present). Unknown extra fields are kept (a newer core may add fields with
    defaults) and ignored when the dataclass is rebuilt.
    """
    checker = CHECKERS.get(entity)
    if checker is None:
        raise RecordError(entity, record_id, "unknown entity")
    if type(data) is not dict and not isinstance(data, dict):
        raise RecordError(entity, record_id, "data is not an object")
    if data.get("id") != record_id:
        shown = repr(data.get("id"))[:60]
        raise RecordError(entity, record_id, f"data id {shown} differs from change id")
    try:
        checker(data)
    except validate.Bad as exc:
        raise RecordError(entity, record_id, str(exc)) from None
    return data


CHECKERS = {name: validate.record_checker(cls) for name, cls in ENTITIES.items()}
"""Entity → its generated record check (``validate.check_record`` without the lookups);
raises ``validate.Bad``."""


_SETTLED = frozenset((LoanStatus.SETTLED.value, LoanStatus.EARLY_SETTLED.value))


def first_unpaid_due(loan: dict[str, Any]) -> str | None:
    """Due date of the loan's oldest installment not paid in full (as
    ``domain.loans.days_past_due`` finds it); None when the loan is settled or paid up."""
    if loan.get("status") in _SETTLED:
        return None
    for inst in loan.get("schedule") or ():
        owed_principal = inst["principal"] - inst.get("paid_principal", 0)
        if owed_principal > 0 or inst["interest"] - inst.get("paid_interest", 0) > 0:
            return inst["due_date"]
    return None


CARD_SEPARATOR = "\x1f"
_RUN_BASE = 0xE000  # a run of n masking stars is stored as one character, U+E000 + n
_RUNS = re.compile(r"\*{2,63}")
_UNSQUEEZE = {_RUN_BASE + n: "*" * n for n in range(2, 64)}
_RUN_11, _RUN_4 = chr(_RUN_BASE + 11), chr(_RUN_BASE + 4)
_ANY_RUN = re.compile("[\ue002-\ue03f]")
_RESERVED_RUN = re.compile("[\ue000-\ue03f]")


def result_fields(borrower: dict[str, Any]) -> tuple[str, str, str, list[str]]:
    """What a lookup shows of a borrower record: its name, masked ID number and city, and its
    phone numbers as stored (a lookup masks the one it shows)."""
    address = borrower.get("address")
    numbers = [str(phone.get("number") or "") for phone in borrower.get("phones") or ()]
    city = (address.get("city") or "") if address else ""
    return borrower["name"], pii.mask_id_no(borrower["id_no"]), city, numbers


def lookup_card(borrower: dict[str, Any]) -> str | None:
    """What a lookup lists for the borrower, masked: name, masked ID number, city and every
    phone number masked, in that order, joined by :data:`CARD_SEPARATOR` (the values of
    :func:`result_fields`, as a lookup makes them from the record), each run of masking stars
    stored as one character (a masked ID number takes 10 bytes, not 18; :func:`card_parts`
    reads it back).
    None when a value holds the separator or one of those characters, or is not text: a
    lookup then reads the record itself."""
    try:
        name, masked_id_no, city, numbers = result_fields(borrower)
        parts = [name, masked_id_no, city, *(pii.mask_phone(n) if n else "" for n in numbers)]
    except (AttributeError, KeyError, TypeError):
        return None
    if not all(type(part) is str for part in parts):
        return None
    # Which phone matched a phone lookup is then told from the masked numbers' last four
    # digits, as the record's own numbers would tell it, only when each is plain digits.
    if not all(number.isascii() and number.isdigit() and len(number) > 4 for number in numbers):
        return None
    text = CARD_SEPARATOR.join(parts)
    if text.count(CARD_SEPARATOR) != len(parts) - 1 or _RESERVED_RUN.search(text):
        return None
    return _RUNS.sub(_squeezed, text)


def card_parts(card: str) -> list[str]:
    """The values of a :func:`lookup_card` card: name, masked ID number, city, phones…

    Each run character back to its stars: the two runs nearly every card holds (an 18-digit
    ID number's 11 stars, a mobile number's 4) by ``str.replace``, anything else by
    ``translate`` (a dictionary lookup per character: ~5 µs a card, a lookup shows 20)."""
    text = card.replace(_RUN_11, "*" * 11).replace(_RUN_4, "****")
    if _ANY_RUN.search(text):
        text = text.translate(_UNSQUEEZE)
    return text.split(CARD_SEPARATOR)


def _squeezed(run: re.Match) -> str:
    return chr(_RUN_BASE + len(run[0]))


DERIVED = {"loan": (first_unpaid_due,), "borrower": (lookup_card,)}
"""How each of ``schema.DERIVED``'s columns is computed from a record, in the same order."""


def to_model(entity_or_cls: str | type, data: dict[str, Any]) -> Any:
    """Rebuild the dataclass of an entity (or of ``cls``) from its JSON object."""
    cls = ENTITIES[entity_or_cls] if isinstance(entity_or_cls, str) else entity_or_cls
    return _build(cls, data)


def _build(cls: type, data: dict[str, Any]) -> Any:
    _plan(cls)
    if cls in _FLAT and data.keys() <= _FLAT[cls]:
        return cls(**data)  # nothing nested, no unknown field: the fast path (installments)
    kwargs = {}
    for name, convert in _plan(cls):
        if name in data:  # else the dataclass default applies
            value = data[name]
            kwargs[name] = convert(value) if convert and value is not None else value
    return cls(**kwargs)


def _build_list(cls: type, values: list[Any]) -> list[Any]:
    """A list of nested records (a schedule: ~36 installments a loan) rebuilt in one loop."""
    _plan(cls)
    flat = _FLAT.get(cls)
    if flat is not None and all(type(v) is dict and v.keys() <= flat for v in values):
        return [cls(**v) for v in values]
    return [_build(cls, v) if isinstance(v, dict) else v for v in values]


Converter = Callable[[Any], Any] | None


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, Converter], ...]:
    """Each field with how to rebuild it (None: the JSON value as is), worked out once."""
    hints = typing.get_type_hints(cls)
    plan = tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))
    if all(convert is None for _, convert in plan):
        _FLAT[cls] = frozenset(name for name, _ in plan)
    return plan


_FLAT: dict[type, frozenset[str]] = {}
"""Dataclasses without nested ones → their field names (filled in by ``_plan``)."""


def _converter(hint: Any) -> Converter:
    if dataclasses.is_dataclass(hint):
        return lambda v: _build(hint, v) if isinstance(v, dict) else v
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint) or (Any,)
        if dataclasses.is_dataclass(item):
            return lambda vs: _build_list(item, vs)
        return None
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if dataclasses.is_dataclass(arg):
                return _converter(arg)
    return None
