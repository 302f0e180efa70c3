"""Schema of the agent's cache, as numbered migrations (``PRAGMA user_version`` = how many ran).

Layout, designed for a million borrowers (~10M rows) in a few GB:

- One table per entity of ``domain.models.ENTITIES``, named exactly as the entity on the wire.
  Each row is ``id`` plus ``data``: the record as compact JSON, stored once. The columns the
  queries filter or sort on (``borrower_id``, ``started_at``, ``posted_at``) are *virtual*
  generated columns read out of ``data``: they cost nothing in the table, only in the indexes
  that need them, so there is no second copy of any field in the rows.
- Small-row tables are ``WITHOUT ROWID``: the primary key *is* the table, so ``id`` is not stored
  twice (rowid table + its automatic ``id`` index). ``loan`` keeps a rowid because its rows (the
  whole repayment schedule) are kilobytes long and would spill out of a clustered index.
- There are no FOREIGN KEY constraints between entity tables on purpose: the cache is a replica
  of the core, which owns referential integrity; a page boundary may split a parent from its
  children, and a delete of a parent must not be refused or cascade locally.
- Every lookup the desk does is an index seek: by ``id`` (primary key), by ``borrower_id`` (one
  index per child table; interactions and payments ordered newest first inside it), and by
  search key (``search_key``, see ``store.search``).
- ``sync_state`` holds the feed cursor and other small name/value facts of the sync.
"""

from __future__ import annotations

APPLICATION_ID = 0x57424348  # "WBCH": marks a SQLite file as a workbench cache
PAGE_SIZE = 4096

ENTITY_TABLES: tuple[str, ...] = (
    "agent",
    "queue",
    "borrower",
    "vehicle",
    "loan",
    "payment",
    "interaction",
    "promise",
    "escalation",
    "callback",
)
"""Tables holding one entity each, named as the entity on the wire."""

_V1 = """
CREATE TABLE agent (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE queue (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE borrower (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vehicle (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL
) WITHOUT ROWID;
CREATE TABLE loan (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL
);
CREATE TABLE payment (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL,
  posted_at TEXT GENERATED ALWAYS AS (data ->> '$.posted_at') VIRTUAL
) WITHOUT ROWID;
CREATE TABLE interaction (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL,
  started_at TEXT GENERATED ALWAYS AS (data ->> '$.started_at') VIRTUAL
) WITHOUT ROWID;
CREATE TABLE promise (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL
) WITHOUT ROWID;
CREATE TABLE escalation (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL
) WITHOUT ROWID;
CREATE TABLE callback (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  borrower_id TEXT GENERATED ALWAYS AS (data ->> '$.borrower_id') VIRTUAL
) WITHOUT ROWID;

CREATE INDEX vehicle_by_borrower ON vehicle (borrower_id);
CREATE INDEX loan_by_borrower ON loan (borrower_id);
CREATE INDEX payment_by_borrower ON payment (borrower_id, posted_at DESC, id DESC);
CREATE INDEX interaction_by_borrower ON interaction (borrower_id, started_at DESC, id DESC);
CREATE INDEX promise_by_borrower ON promise (borrower_id);
CREATE INDEX escalation_by_borrower ON escalation (borrower_id);
CREATE INDEX callback_by_borrower ON callback (borrower_id);

-- One row per (search key, borrower, kind); store.search explains the shape.
CREATE TABLE search_key (
  key TEXT NOT NULL,
  borrower_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (key, borrower_id, kind)
) WITHOUT ROWID;

CREATE TABLE sync_state (name TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;
"""

MIGRATIONS: list[str] = [_V1]
"""Migration *n* (1-based) is ``MIGRATIONS[n - 1]``. Append only; never edit a shipped one."""


def statements(script: str) -> list[str]:
    """Split a migration script into single statements (scripts hold no ``;`` in literals)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
