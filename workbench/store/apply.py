"""Apply pages of the core's change feed to the cache.

A page and its cursor are written in ONE ``BEGIN IMMEDIATE`` transaction: after a crash the cache
holds either the whole page and the cursor after it, or neither, so a pull resumes exactly where
it stopped. Inside a page, consecutive changes of one entity and one op are written with a single
``executemany``; search keys of borrowers, loans and vehicles are kept in step with their record
(old keys of the previous version removed, new ones added).

Example::

    with connect(path) as conn:
        apply_page(conn, page["changes"], page["cursor"])
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from workbench.store import keys, records, schema, search, validate
from workbench.store.codec import TRAIN_AT, codec_of
from workbench.store.db import write_transaction
from workbench.store.keys import rebuild_search_keys
from workbench.store.records import RecordError

Change = Mapping[str, Any]
BadRecordHandler = Callable[[Any, Change, RecordError], None]
"""Called as ``handler(conn, change, error)`` inside the page's transaction for a change that
cannot be stored; the place where quarantine goes. Without one, the error aborts the page."""

__all__ = [
    "apply_page",
    "get_cursor",
    "get_state",
    "put_records",
    "rebuild_search_keys",
    "set_state",
]

CURSOR = "cursor"
UPSERT, DELETE = "upsert", "delete"


def get_cursor(conn) -> str | None:
    """The feed cursor stored with the last applied page, or None before the first one."""
    return get_state(conn, CURSOR)


def get_state(conn, name: str) -> str | None:
    """One sync fact (``cursor``, ``store_id``, ``last_pull_at`` …), or None."""
    row = conn.execute("SELECT value FROM sync_state WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def set_state(conn, name: str, value: str | None) -> None:
    """Store one sync fact (call inside a write transaction)."""
    conn.execute(
        "INSERT INTO sync_state(name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def apply_page(
    conn,
    changes: Iterable[Change],
    cursor: str | None,
    *,
    on_bad_record: BadRecordHandler | None = None,
    stage_keys: bool = False,
) -> int:
    """Apply one page of changes and store ``cursor``, all in one write transaction.

    Returns how many changes were applied. A change that cannot be stored raises
    :class:`RecordError` (nothing of the page is kept) unless ``on_bad_record`` takes it.
    Only the last change of a record within the page matters, so each entity is written with
    one ``executemany`` per operation, however its changes interleave with other entities'.
    ``stage_keys``: search keys go to the staging table (``store.keys``; a first sync).
    """
    codec = codec_of(conn)
    with write_transaction(conn):
        codec.refresh(conn)  # the dictionary set may have changed (rollback, another writer)
        final, applied = _final_states(conn, changes, on_bad_record)
        for entity, state in final.items():
            _apply_entity(conn, entity, state, stage_keys)
        set_state(conn, CURSOR, cursor)
    return applied


State = dict[str, dict[str, Any] | None]
"""Record id → the record as the page leaves it (None: deleted)."""


def _final_states(
    conn, changes: Iterable[Change], on_bad_record: BadRecordHandler | None
) -> tuple[dict[str, State], int]:
    """Each entity's state after ``changes`` (id → last record, None when deleted) and how
    many of them were good; a bad one goes to ``on_bad_record`` (without one, it raises
    RecordError).

    The common change — an upsert of a known entity with a plain id and a record that checks
    out — is taken inline, with one call (its record's check); anything else, or anything
    that check refuses, goes the whole way through :func:`_checked`, which names what is
    wrong.
    """
    final: dict[str, State] = {}
    applied = 0
    upserts = _UPSERT_CHECKS
    for change in changes:
        try:
            if change["op"] == UPSERT:
                entity, record_id, data = change["entity"], change["id"], change["data"]
                if (
                    type(entity) is str
                    and type(record_id) is str
                    and 0 < len(record_id) <= validate.MAX_ID_CHARS
                    and type(data) is dict
                    and data.get("id") == record_id
                ):
                    upserts[entity](data)
                    bucket = final.get(entity)
                    if bucket is None:
                        bucket = final[entity] = {}
                    bucket[record_id] = data
                    applied += 1
                    continue
        except (LookupError, TypeError, validate.Bad):
            pass  # not the common case (or not a good one): the whole way
        try:
            entity, record_id, data = _checked(change)
        except RecordError as exc:
            if on_bad_record is None:
                raise
            on_bad_record(conn, change, exc)
            continue
        bucket = final.get(entity)
        if bucket is None:
            bucket = final[entity] = {}
        bucket[record_id] = data
        applied += 1
    return final, applied


def put_records(conn, entity: str, state: dict[str, dict[str, Any] | None]) -> None:
    """Write records of one entity (id → record, None deletes) with their search keys.

    For records the cache makes itself (an action's provisional record); call inside a write
    transaction. Each record is checked like a feed record and RecordError raised if it fails.
    """
    if entity not in schema.ENTITY_TABLES:
        raise RecordError(entity, "?", "unknown entity")
    for record_id, data in state.items():
        if data is not None:
            records.check(entity, record_id, data)
    codec_of(conn).refresh(conn)
    _apply_entity(conn, entity, state)


def _checked(change: Change) -> tuple[str, str, dict[str, Any] | None]:
    """``(entity, id, data)`` of a valid change (data None for a delete), else RecordError."""
    if type(change) is dict:  # the common case first: an upsert with a plain id
        try:
            entity, op, record_id = change["entity"], change["op"], change["id"]
        except KeyError:
            pass  # the checks below name what is missing
        else:
            if (
                op == UPSERT
                and type(entity) is str
                and type(record_id) is str
                and entity in _TABLES
                and 0 < len(record_id) <= validate.MAX_ID_CHARS
            ):
                return entity, record_id, records.check(entity, record_id, change.get("data"))
    if type(change) is not dict and not isinstance(change, Mapping):
        raise RecordError("?", "?", "change is not an object")
    entity, op, record_id = change.get("entity"), change.get("op"), change.get("id")
    if type(entity) is not str or entity not in _TABLES:
        shown = entity[:60] if isinstance(entity, str) else repr(entity)[:60]
        raise RecordError(shown, repr(record_id)[:60], "unknown entity")
    if type(record_id) is not str or not 0 < len(record_id) <= validate.MAX_ID_CHARS:
        try:
            validate.check_id(record_id)
        except validate.Bad as exc:
            raise RecordError(entity, repr(record_id)[:60], str(exc)) from None
    if op == UPSERT:
        return entity, record_id, records.check(entity, record_id, change.get("data"))
    if op == DELETE:
        return entity, record_id, None
    raise RecordError(entity, record_id, f"unknown op {str(op)[:40]!r}")


_TABLES = frozenset(schema.ENTITY_TABLES)
_UPSERT_CHECKS = {e: records.CHECKERS[e] for e in _TABLES if e in records.CHECKERS}
"""Entity → the check of its record, for the changes taken inline."""


def _apply_entity(
    conn, entity: str, state: dict[str, dict[str, Any] | None], stage_keys: bool = False
) -> None:
    """Bring ``entity``'s rows (and their search keys) to ``state``: id → record or None."""
    key_fn = search.KEYS_OF.get(entity)
    old = _current(conn, entity, list(state)) if key_fn else {}
    codec = codec_of(conn)
    gone = [(rid,) for rid, data in state.items() if data is None]
    if gone:
        conn.executemany(f"DELETE FROM {entity} WHERE id = ?", gone)
    rows = [codec.pack(entity, data) for data in state.values() if data is not None]
    if rows:
        _upsert(conn, entity, rows, old.keys() if key_fn else None)
        if not codec.has_dictionary(entity) and _holds_at_least(conn, entity, TRAIN_AT):
            codec.train(conn, entity)
    if key_fn:
        keys.update_keys(conn, entity, key_fn, old, state, staged=stage_keys)


def _upsert(
    conn, entity: str, rows: list[tuple[Any, ...]], existing: Collection[str] | None = None
) -> None:
    """Insert or replace rows packed by ``codec.pack``.

    Every column but ``id`` and ``data`` is in an index. An update that names such a column
    rewrites its index entry even when the value stays (SQLite decides by column, not by
    value): a dirty page per record in the WAL. So an update replaces ``data`` only, and a
    second statement moves the indexed columns of the few rows where they really changed.
    A record the core sends again unchanged packs to the same bytes and is not written at all.
    Only rows stored before this call can need that (``existing``: their ids, when the caller
    knows them). Without ``existing`` the rows are first inserted where their id is new:
    when every one was (a first sync, new interactions), that was all; else the stored ones are
    looked up in one query and the rows written as above.
    """
    columns = schema.insert_columns(entity)
    indexed = columns[1:-1]
    insert = f"INTO {entity}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    if indexed and existing is None:
        before = conn.total_changes
        conn.executemany(f"INSERT OR IGNORE {insert}", rows)
        if conn.total_changes - before == len(rows):
            return
        existing = _present(conn, entity, [row[0] for row in rows])
    conn.executemany(
        f"INSERT {insert} ON CONFLICT(id) DO UPDATE SET data = excluded.data "
        "WHERE data IS NOT excluded.data",  # a record sent again as it was: no page dirtied
        rows,
    )
    if indexed and existing:
        sets = ", ".join(f"{c} = ?" for c in indexed)
        differ = " OR ".join(f"{c} IS NOT ?" for c in indexed)
        conn.executemany(
            f"UPDATE {entity} SET {sets} WHERE id = ? AND ({differ})",
            [(*row[1:-1], row[0], *row[1:-1]) for row in rows if row[0] in existing],
        )


def _present(conn, entity: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` are stored in ``entity`` (one query for the whole run)."""
    sql = f"SELECT id FROM {entity} WHERE id IN (SELECT value FROM json_each(?))"
    return {row[0] for row in conn.execute(sql, (records.encode(ids),))}


def _holds_at_least(conn, entity: str, count: int) -> bool:
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {entity} LIMIT ?)"
    return conn.execute(sql, (count,)).fetchone()[0] >= count


def _current(conn, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored records among ``ids`` (one query for the whole run)."""
    rows = conn.execute(
        f"SELECT {schema.row_columns(entity)} FROM {entity} "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (records.encode(ids),),
    )
    codec = codec_of(conn)  # only their search keys are needed: schedules stay as rows
    return {row[0]: codec.unpack(conn, entity, row, whole=False) for row in rows}
