"""Room left in the pages of the trees new rows land in, after a first sync or a compaction.

A cache written in key order (a first sync, ``VACUUM``) has every B-tree page full. The first
row a pull then adds to a page splits it: SQLite spreads the page and its two neighbours over
four, so one new interaction dirtied ~6 pages of its table and its index instead of 2, and a
pull of 1,000 changes at a million borrowers wrote ~3,400 pages instead of ~1,700 — until
every page had split once (about a million changes later). Databases leave a *fill factor*
for this; SQLite has none, so :func:`leave_room` makes one: it copies a table in key order
with a spacer row (a copy of the row, under an id sorting right after it) after every
:data:`EVERY`-th row, builds the table's indexes, and deletes the spacers. Each page then
holds ~1/``EVERY`` free space, spread evenly, in the table and in each index; SQLite only
rebalances a page left less than a third full, so the holes stay.

Costs ~1/``EVERY`` more bytes for those tables (~60 bytes a borrower at a million) and, at a
million borrowers, ~30 s (of a compaction's two minutes, or at the end of a first sync).
"""

from __future__ import annotations

import re

from workbench.store import schema

EVERY = 10
ROOMY: tuple[str, ...] = ("interaction", "borrower")
"""Tables that get room: where pulls add rows (interactions) or grow them (borrowers edited).
Loans change in place at the same size; payments and the rest are small or rarely added."""


def leave_room(conn, tables: tuple[str, ...] = ROOMY) -> None:
    """Rebuild each of ``tables`` (``WITHOUT ROWID``, keyed by ``id``) with room in its pages.

    Call inside a write transaction. The copy is staged in the cache itself, not in a
    temporary table: SQLCipher does not encrypt temporary files, and the rows hold borrowers'
    data. The old copy's pages are left free, for ``PRAGMA incremental_vacuum``."""
    conn.execute("CREATE TABLE slack_spacer (id TEXT PRIMARY KEY, of TEXT NOT NULL) WITHOUT ROWID")
    try:
        for table in tables:
            _rebuild(conn, table)
    finally:
        conn.execute("DROP TABLE IF EXISTS slack_spacer")
        conn.execute("DROP TABLE IF EXISTS slack_stage")


def _rebuild(conn, table: str) -> None:
    """``table`` copied with spacers into full pages, indexed, and the spacers deleted.

    The rows and spacers are first staged in another table, then copied into the new table
    by SQLite's transfer of a whole table to an empty one of the same shape, which writes
    pages full and in key order (an ``INSERT … SELECT … ORDER BY`` leaves them ~88 % full,
    which would add that room to the spacers')."""
    columns = _columns(conn, table)
    names = ", ".join(columns)
    created = conn.execute(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()[0]
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    conn.execute(
        f"INSERT INTO slack_spacer (id, of) SELECT id || char(1), id FROM "
        f"(SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}) WHERE n % {EVERY} = 0"
    )  # a spacer after every EVERY-th row, under an id sorting right after that row's …
    conn.execute(  # … unless a real row has that id: no room there
        f"DELETE FROM slack_spacer WHERE id IN (SELECT id FROM {table})"
    )
    conn.execute(_renamed(created, "TABLE slack_stage"))
    conn.execute(f"INSERT INTO slack_stage ({names}) SELECT {names} FROM {table}")
    copied = ", ".join(f"t.{c}" for c in columns[1:])
    conn.execute(
        f"INSERT INTO slack_stage ({names}) SELECT s.id, {copied} "
        f"FROM slack_spacer s JOIN {table} t ON t.id = s.of"
    )
    spare = f"{table}_roomy"
    conn.execute(_renamed(created, f"TABLE {spare}"))
    conn.execute(f"INSERT INTO {spare} SELECT * FROM slack_stage")  # the transfer
    conn.execute("DROP TABLE slack_stage")
    for name, _sql in indexes:  # the same names, on the copy
        conn.execute(f'DROP INDEX "{name}"')
    for _name, sql in indexes:
        pattern = rf"\sON\s+(\"{table}\"|{table})\s*\("
        conn.execute(re.sub(pattern, f" ON {spare} (", sql, count=1))
    conn.execute(f"DELETE FROM {spare} WHERE id IN (SELECT id FROM slack_spacer)")
    conn.execute("DELETE FROM slack_spacer")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {spare} RENAME TO {table}")


def _renamed(created: str, head: str) -> str:
    """A ``CREATE TABLE`` statement with its ``TABLE name`` replaced by ``head``."""
    return re.sub(r"^CREATE TABLE\s+(\"\w+\"|\w+)", f"CREATE {head}", created, count=1)


def _columns(conn, table: str) -> list[str]:
    names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    if names[:1] != ["id"] or set(schema.insert_columns(table)) != set(names):
        raise ValueError(f"{table} is not an entity table keyed by id: {names}")
    return names
