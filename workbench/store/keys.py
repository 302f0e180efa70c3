"""Search keys kept in step with their records, and built in bulk after a first sync.

Normally every page updates the keys of the borrowers, loans and vehicles it brings: the old
version's keys go, the new version's come (``update_keys``). During a first sync (or a refill
after ``store.resync.start_over``) that would write ~11 keys per borrower into random places of
the ``search_key`` B-tree in every page's transaction — each commit then carries thousands of
scattered dirty pages through the WAL. So while the sync state ``search_keys`` is ``staged``,
keys are appended to ``search_key_staged`` instead (rows in arrival order, tagged with their
record), and when the feed is caught up :func:`finish_staging` moves them into ``search_key`` in
key order, in one transaction with the flag's removal. A crash in between leaves the flag set,
and the resumed sync keeps staging. Until then a lookup finds nothing: the cache is still
being filled.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from workbench.store import schema, search
from workbench.store.codec import codec_of
from workbench.store.db import make_room, write_transaction

STAGED_FLAG = "search_keys"
KeyFn = Callable[[dict[str, Any]], set[tuple[str, str]]]


def is_staging(conn) -> bool:
    """Whether search keys are being staged (a first sync is under way)."""
    row = conn.execute("SELECT value FROM sync_state WHERE name = ?", (STAGED_FLAG,)).fetchone()
    return bool(row and row[0] == "staged")


def begin_staging(conn) -> None:
    """Stage keys from now on (call inside a write transaction, with an empty cache)."""
    conn.execute(
        "INSERT INTO sync_state(name, value) VALUES (?, 'staged') "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (STAGED_FLAG,),
    )


def drop_staging(conn) -> None:
    """Forget staged keys and the flag (call inside a write transaction)."""
    conn.execute("DELETE FROM search_key_staged")
    conn.execute("DELETE FROM sync_state WHERE name = ?", (STAGED_FLAG,))


SORT_ROWS = 400_000
"""Staged keys sorted at a time when the cache is encrypted (~40 MB of memory): SQLCipher
does not encrypt the files SQLite's sorter spills to, and these keys are phone numbers, ID
number endings and names, so an encrypted cache sorts them in memory, a key range at a time."""


def finish_staging(conn, *, sort_rows: int = SORT_ROWS) -> int:
    """Move the staged keys into ``search_key`` in key order, then leave room in the pages the
    next pulls write to (``store.slack``); returns how many keys were staged.

    A plain cache lets the sort spill to a temporary file; an encrypted one (``conn.encrypted``)
    sorts in memory, ``sort_rows`` keys at a time. Room is left in a transaction of its own: a
    cache whose first sync is done is complete with or without it."""
    encrypted = bool(getattr(conn, "encrypted", False))
    conn.execute(f"PRAGMA temp_store = {'MEMORY' if encrypted else 'FILE'}")
    try:
        with write_transaction(conn):
            count = conn.execute("SELECT count(*) FROM search_key_staged").fetchone()[0]
            ranges = _key_ranges(conn, count, sort_rows) if encrypted else [(None, None)]
            for low, high in ranges:
                _move_keys(conn, low, high)
            drop_staging(conn)
    finally:
        conn.execute("PRAGMA temp_store = MEMORY")
    make_room(conn)  # the first sync wrote full pages; the staged rows' pages go back too
    return count


def _key_ranges(conn, count: int, sort_rows: int) -> list[tuple[str | None, str | None]]:
    """Bounds ``[low, high)`` (None: open) cutting the staged keys into runs of about
    ``sort_rows`` (a run holds every row of its keys, so a very common key makes a longer one),
    chosen from a sample of the staged keys."""
    if count <= sort_rows:
        return [(None, None)]
    step = max(1, count // 20_000)
    sampled = conn.execute(f"SELECT key FROM search_key_staged WHERE rowid % {step} = 0")
    sample = sorted(key for (key,) in sampled)
    per = max(1, sort_rows // step)
    edges: list[str | None] = [None, *sorted(set(sample[per::per])), None]
    return list(itertools.pairwise(edges))


def _move_keys(conn, low: str | None, high: str | None) -> None:
    """Staged keys with ``low <= key < high`` into ``search_key``, sorted."""
    where = [c for c, bound in (("key >= ?", low), ("key < ?", high)) if bound is not None]
    conn.execute(
        "INSERT OR IGNORE INTO search_key(key, borrower_id, kind) "
        "SELECT key, borrower_id, kind FROM search_key_staged"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY 1, 2, 3",
        [bound for bound in (low, high) if bound is not None],
    )


def update_keys(
    conn,
    entity: str,
    key_fn: KeyFn,
    old: dict[str, dict[str, Any]],
    new: dict[str, dict[str, Any] | None],
    *,
    staged: bool = False,
) -> None:
    """Replace the search keys of each record's old version by those of its new one."""
    if staged:
        _stage(conn, entity, key_fn, old, new)
        return
    gone: list[tuple[str, str, str]] = []
    added: list[tuple[str, str, str]] = []
    for rid, data in new.items():
        previous = old.get(rid)
        if previous is not None and data is not None and search.same_keys(entity, previous, data):
            continue  # most updates (a payment, an address) leave the keys as they are
        before = owned_keys(entity, rid, previous, key_fn)
        after = owned_keys(entity, rid, data, key_fn)
        gone.extend(before - after)
        added.extend(after - before)
    if gone:
        conn.executemany(
            "DELETE FROM search_key WHERE key = ? AND borrower_id = ? AND kind = ?", gone
        )
    if added:
        added.sort()  # in key order: each B-tree page is visited once, not once per key
        conn.executemany(
            "INSERT OR IGNORE INTO search_key(key, borrower_id, kind) VALUES (?, ?, ?)", added
        )


def _stage(conn, entity: str, key_fn: KeyFn, old, new) -> None:
    again = [(entity, rid) for rid in new if rid in old]  # sent twice during the first sync
    if again:
        conn.executemany("DELETE FROM search_key_staged WHERE entity = ? AND record_id = ?", again)
    rows = [
        (key, owner, kind, entity, rid)
        for rid, data in new.items()
        for key, owner, kind in owned_keys(entity, rid, data, key_fn)
    ]
    if rows:
        conn.executemany(
            "INSERT INTO search_key_staged(key, borrower_id, kind, entity, record_id) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )


def owned_keys(
    entity: str, rid: str, data: dict[str, Any] | None, key_fn: KeyFn
) -> set[tuple[str, str, str]]:
    """(key, borrower id, kind) of one record version (none for a deleted record)."""
    if data is None:
        return set()
    owner = search.owner_of(entity, rid, data)
    if not owner:
        return set()
    return {(key, owner, kind) for key, kind in key_fn(data)}


def rebuild_search_keys(conn, *, batch: int = 5000) -> int:
    """Derive every search key again from the stored records (after a change of derivation)."""
    total = 0
    insert = "INSERT OR IGNORE INTO search_key(key, borrower_id, kind) VALUES (?, ?, ?)"
    with write_transaction(conn):
        conn.execute("DELETE FROM search_key")
        drop_staging(conn)
        for entity, key_fn in search.KEYS_OF.items():
            rows = conn.execute(f"SELECT {schema.row_columns(entity)} FROM {entity}")
            codec = codec_of(conn)
            while chunk := rows.fetchmany(batch):
                keys: set[tuple[str, str, str]] = set()
                for row in chunk:
                    data = codec.unpack(conn, entity, row)
                    keys |= owned_keys(entity, row[0], data, key_fn)
                conn.executemany(insert, sorted(keys))
                total += len(keys)
    return total
