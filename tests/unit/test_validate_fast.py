"""The quick ways through a page accept exactly what the careful ways accept.

A record is checked by a fast body first and by the full field-by-field checks when the fast
body is not sure (``store.validate_fast``); a plain upsert is taken inline by the page's
loop, anything else the whole way through the change's checks (``store.apply``).
Property-based: records of every entity of the demo core, broken anywhere (a field retyped,
removed or added, in nested objects and schedules too), meet the same verdict, the same
reason and the same size either way; a page ends in the same state, with the same bad
changes and reasons, as taken the whole way change by change.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import typing
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.domain.models import ENTITIES
from workbench.store import apply, validate
from workbench.store.records import RecordError

ODD_VALUES = [
    None, 0, 7, -1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, True, False, 1.5, "", "x",
    "[b]粗体[/b]", "\x1b[31m", "2026-02-30", "2026-11-27", "1990-13-01", "２０２６-11-27",
    "2026-11-27T08:30:00Z", "2026-11-27T08:30:00.123Z", "2026-11-27T08:30:00+08:00",
    "2026-11-27 08:30:00Z", "2026-13-27T08:30:00Z", "2026-11-27T25:30:00Z", "x" * 20,
    [], {}, [1], ["a"], {"a": 1}, [{}], [None],
]  # fmt: skip
HUGE = "长" * (validate.MAX_RECORD_CHARS // 2)


@pytest.fixture(scope="module")
def samples(demo_core_app) -> dict[str, list[dict[str, Any]]]:
    """A few records of each entity the demo core holds (the richest first)."""
    store = demo_core_app.state.store
    out: dict[str, list[dict[str, Any]]] = {}
    for entity in ENTITIES:
        rows = itertools.islice(store.iter_records(entity), 300)
        records = sorted((orjson.loads(data) for _, _, data in rows), key=lambda d: -len(str(d)))
        if records:
            out[entity] = records[:3]
    return out


def verdict(check, value) -> tuple[str, Any]:
    try:
        return ("ok", check(value))
    except validate.Bad as exc:
        return ("bad", str(exc))


@st.composite
def broken(draw, samples: dict[str, list[dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    """A record of some entity with up to three things done to it anywhere inside."""
    entity = draw(st.sampled_from(sorted(samples)))
    data = copy.deepcopy(draw(st.sampled_from(samples[entity])))
    for _ in range(draw(st.integers(0, 3))):
        _damage(draw, data)
    return entity, data


def _damage(draw, data: Any) -> None:
    node = data
    while True:  # walk down into nested objects and lists for a while
        inner = [k for k, v in _items(node) if isinstance(v, dict | list) and _items(v)]
        if not inner or draw(st.booleans()):
            break
        node = node[draw(st.sampled_from(inner))]
    keys = [k for k, _ in _items(node)]
    how = draw(st.sampled_from(["set", "set", "drop", "add", "huge"]))
    if how == "add" and isinstance(node, dict):
        node[draw(st.sampled_from(["extra", "note", "n"]))] = odd(draw)
    elif keys and how == "drop" and isinstance(node, dict):
        del node[draw(st.sampled_from(keys))]
    elif keys and how == "huge":
        node[draw(st.sampled_from(keys))] = HUGE
    elif keys:
        node[draw(st.sampled_from(keys))] = odd(draw)


def odd(draw) -> Any:
    return copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))  # a fresh one: it may be damaged


def _items(node: Any) -> list[tuple[Any, Any]]:
    if isinstance(node, dict):
        return sorted(node.items(), key=lambda kv: kv[0])
    if isinstance(node, list):
        return list(enumerate(node))
    return []


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(data=st.data())
def test_a_record_meets_the_same_verdict_and_reason_either_way(samples, data):
    entity, record = data.draw(broken(samples))
    cls = ENTITIES[entity]
    fast = verdict(validate.record_checker(cls), record)
    full = verdict(validate._full_record_checker(cls), record)
    assert fast == full


def test_every_single_damage_meets_the_same_verdict_either_way(samples):
    """Each field of each sample (nested ones and the first items of lists too) set to each
    odd value, removed, or joined by an extra field."""
    compared = 0
    for entity, records in samples.items():
        cls = ENTITIES[entity]
        fast, full = validate.record_checker(cls), validate._full_record_checker(cls)
        for record in records:
            for damaged in _single_damages(record):
                assert verdict(fast, damaged) == verdict(full, damaged), str(damaged)[:300]
                compared += 1
    assert compared > 1000


def _single_damages(record: dict[str, Any]):
    for path in _paths(record):
        for value in [*ODD_VALUES, _DROP, _EXTRA]:
            damaged = copy.deepcopy(record)
            node = damaged
            for step in path[:-1]:
                node = node[step]
            if value is _EXTRA:
                node = node[path[-1]]
                if not isinstance(node, dict):
                    continue
                node["extra"] = 1
            elif value is _DROP:
                if not isinstance(node, dict):
                    continue
                del node[path[-1]]
            else:
                node[path[-1]] = copy.deepcopy(value)
            yield damaged


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    for key, value in _items(node)[: 7 if isinstance(node, dict) else 2]:
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


_DROP, _EXTRA = object(), object()


@SETTINGS
@given(data=st.data())
def test_nested_objects_and_lists_count_the_same_size_either_way(samples, data):
    entity, record = data.draw(broken(samples))
    for checker, full in _nested_checkers(ENTITIES[entity]):
        for name, value in record.items():
            if name in checker:
                assert verdict(checker[name], value) == verdict(full[name], value)


def _nested_checkers(cls) -> list[tuple[dict, dict]]:
    """Field → (combined checker, full checker) of each nested-object or list-of-objects
    field of ``cls``."""
    combined, full = {}, {}
    for f in dataclasses.fields(cls):
        hint = typing.get_type_hints(cls)[f.name]
        if dataclasses.is_dataclass(hint):
            combined[f.name] = validate._object_checker(hint)
            full[f.name] = _full_object(hint)
        elif typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            item = typing.get_args(hint)[0]
            combined[f.name] = validate._list_of_objects_checker(item)
            full[f.name] = validate._full_list_checker(item)
    return [(combined, full)]


def _full_object(cls):
    body, namespace = validate._object_body(cls)
    lines = ["def check(value):", *validate._indent(body, 4), "    return size"]
    return validate._compile(lines, namespace, f"test {cls.__name__}")


def test_records_as_the_core_sends_them_take_the_fast_body(samples, monkeypatch):
    """Not a speed test: a plain record must not need the full checks (else the fast body
    has a hole that makes every sync slow while still passing every verdict test)."""
    for entity, records in samples.items():
        check = validate.record_checker(ENTITIES[entity])
        monkeypatch.setitem(check.__globals__, "_full", _refuse)
        for record in records:
            check(record)


def _refuse(value):
    raise AssertionError(f"the full checks were needed for {str(value)[:200]}")


CHANGE_DAMAGE = ["none", "none", "record", "entity", "op", "id", "delete", "again", "junk"]


@SETTINGS
@given(data=st.data())
def test_a_page_taken_whole_ends_as_taken_change_by_change(samples, data):
    changes = []
    for n in range(data.draw(st.integers(1, 8))):
        entity, record = (
            data.draw(broken(samples))
            if data.draw(st.booleans())
            else (
                (e := data.draw(st.sampled_from(sorted(samples)))),
                copy.deepcopy(samples[e][0]),
            )
        )
        change = {
            "seq": n,
            "entity": entity,
            "op": "upsert",
            "id": record.get("id"),
            "data": record,
        }
        how = data.draw(st.sampled_from(CHANGE_DAMAGE))
        if how == "entity":
            change["entity"] = data.draw(st.sampled_from(["spaceship", None, 7, ["loan"]]))
        elif how == "op":
            change["op"] = data.draw(st.sampled_from(["merge", None, ["upsert"], "UPSERT"]))
        elif how == "id":
            change["id"] = data.draw(st.sampled_from(["", "x" * 201, 5, None, "other"]))
            if data.draw(st.booleans()) and isinstance(record, dict):
                record["id"] = change["id"]  # the record agrees with its change
        elif how == "delete":
            change.update(op="delete", data=None)
        elif how == "again" and changes:
            change = copy.deepcopy(changes[-1])
        elif how == "junk":
            change = data.draw(st.sampled_from([None, [], "junk", 42]))
        changes.append(change)
    reference, reasons = change_by_change(copy.deepcopy(changes))
    bad: list[tuple[Any, str]] = []
    final, applied = apply._final_states(None, changes, lambda _, c, exc: bad.append((c, str(exc))))
    assert [reason for _, reason in bad] == reasons
    assert applied == len(changes) - len(reasons)
    assert [(e, list(s.items())) for e, s in final.items()] == [
        (e, list(s.items())) for e, s in reference.items()
    ]


def change_by_change(changes: list[Any]) -> tuple[dict[str, dict], list[str]]:
    """The final states and the reasons of bad changes, each change the whole way through."""
    final: dict[str, dict] = {}
    reasons = []
    for change in changes:
        try:
            entity, record_id, data = apply._checked(change)
        except RecordError as exc:
            reasons.append(str(exc))
            continue
        final.setdefault(entity, {})[record_id] = data
    return final, reasons


CHANGE_FIELD_VALUES = {
    "entity": ["spaceship", None, 7, ["loan"], "", "LOAN"],
    "op": ["merge", None, ["upsert"], "UPSERT", "delete", ""],
    "id": ["", "x" * 200, "x" * 201, 5, None, "other", ["x"]],
    "data": [None, [], "x", {}, {"id": 5}],
}


@pytest.mark.parametrize("field", sorted(CHANGE_FIELD_VALUES))
def test_each_odd_change_meets_the_same_fate_either_way(samples, field):
    """Every entity's first sample as a change with one field of the change set to each odd
    value (the record's own id following the change's, or not), or removed."""
    changes = []
    for entity, records in sorted(samples.items()):
        for value in [*CHANGE_FIELD_VALUES[field], _DROP]:
            for follow in (False, True):
                record = copy.deepcopy(records[0])
                change = {"seq": 1, "entity": entity, "op": "upsert", "id": record["id"]}
                change["data"] = record
                if value is _DROP:
                    del change[field]
                else:
                    change[field] = copy.deepcopy(value)
                if follow and field == "id" and "id" in change:
                    record["id"] = change["id"]
                changes.append(change)
    reference, reasons = change_by_change(copy.deepcopy(changes))
    bad: list[str] = []
    final, applied = apply._final_states(None, changes, lambda _, c, exc: bad.append(str(exc)))
    assert (bad, applied) == (reasons, len(changes) - len(reasons))
    assert [(e, list(s.items())) for e, s in final.items()] == [
        (e, list(s.items())) for e, s in reference.items()
    ]
