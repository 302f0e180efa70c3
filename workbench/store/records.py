"""Records as the cache keeps them: checking feed data, JSON in and out, dataclasses back.

The wire contract is ``domain.models``: a change's ``data`` has exactly the fields of the
entity's dataclass. The cache stores that object as compact JSON (no spaces, UTF-8 text rather
than ``\\u`` escapes) and rebuilds the dataclass, nested ``Phone``/``Address``/``Installment``/
``EscalationEvent`` included, when a query needs it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any

from workbench.domain.models import ENTITIES


class RecordError(ValueError):
    """One feed record that cannot be stored as it is (unknown entity, missing field, …)."""

    def __init__(self, entity: str, record_id: str, reason: str):
        super().__init__(f"{entity} {record_id!r}: {reason}")
        self.entity = entity
        self.record_id = record_id
        self.reason = reason


def encode(data: dict[str, Any]) -> str:
    """Compact JSON text of one record, as stored in a table's ``data`` column."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, Any]:
    return json.loads(text)


def check(entity: str, record_id: str, data: Any) -> dict[str, Any]:
    """Return ``data`` if it can be stored as ``entity`` ``record_id``, else raise RecordError.

    Checks the entity is known, ``data`` is an object whose ``id`` is the change's id, and every
    field without a default is present. Unknown extra fields are kept (a newer core may add
    fields with defaults) and ignored when the dataclass is rebuilt.
    """
    cls = ENTITIES.get(entity)
    if cls is None:
        raise RecordError(entity, record_id, "unknown entity")
    if not isinstance(data, dict):
        raise RecordError(entity, record_id, "data is not an object")
    if data.get("id") != record_id:
        raise RecordError(entity, record_id, f"data id {data.get('id')!r} differs from change id")
    missing = [name for name in _required(cls) if name not in data]
    if missing:
        raise RecordError(entity, record_id, "missing field(s) " + ", ".join(missing))
    for name in ("borrower_id", "started_at", "posted_at"):
        if name in data and name in _field_names(cls) and not _nullable_str(data[name]):
            raise RecordError(entity, record_id, f"{name} is not text")
    return data


def to_model(entity_or_cls: str | type, data: dict[str, Any]) -> Any:
    """Rebuild the dataclass of an entity (or of ``cls``) from its JSON object."""
    cls = ENTITIES[entity_or_cls] if isinstance(entity_or_cls, str) else entity_or_cls
    return _build(cls, data)


def load(entity: str, text: str) -> Any:
    """Dataclass of ``entity`` from a stored ``data`` column."""
    return _build(ENTITIES[entity], json.loads(text))


def _build(cls: type, data: dict[str, Any]) -> Any:
    kwargs = {}
    hints = _hints(cls)
    for name in _field_names(cls):
        if name not in data:
            continue  # the dataclass default applies
        kwargs[name] = _convert(hints[name], data[name])
    return cls(**kwargs)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _build(hint, value)
    origin = typing.get_origin(hint)
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(hint) or (Any,)
        if dataclasses.is_dataclass(item):
            return [_build(item, v) if isinstance(v, dict) else v for v in value]
        return list(value)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return _build(arg, value)
    return value


def _nullable_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _required(cls: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
